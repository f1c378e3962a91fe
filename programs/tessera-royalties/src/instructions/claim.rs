use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::{constants::*, errors::RoyaltiesError, events::Claimed, state::Split};

/// A recipient takes everything it is owed by a split, in one transfer.
#[event_cpi]
#[derive(Accounts)]
pub struct Claim<'info> {
    /// The recipient; must sign and be an entry of `split` (checked in the handler).
    pub recipient: Signer<'info>,
    /// The split paying; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
    /// The split's vault (address stored in the split).
    #[account(mut, address = split.vault @ RoyaltiesError::VaultMismatch)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The split's payment mint (address stored in the split).
    #[account(address = split.mint @ RoyaltiesError::MintMismatch)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Where the payment goes: a `mint` token account owned by the recipient.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = destination.owner == recipient.key() @ RoyaltiesError::DestinationNotOwnedByRecipient,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token or Token-2022; owner of `destination` (constraint) and of the vault.
    pub token_program: Interface<'info, TokenInterface>,
}

impl Claim<'_> {
    fn validate(&self) -> Result<()> {
        // recipient: signer, an entry of the split with something owed (below; `record_claim`
        // re-checks). split: PDA + stored bump. vault, mint: stored addresses. destination:
        // mint + owner == recipient.
        self.split.check_claimable(&self.recipient.key())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn claim(ctx: Context<Self>) -> Result<()> {
        let recipient = ctx.accounts.recipient.key();
        let claimed_by = recipient;
        let amount = ctx.accounts.split.record_claim(&recipient)?;
        pay_from_vault(
            &ctx.accounts.split,
            &ctx.accounts.vault,
            &ctx.accounts.mint,
            &ctx.accounts.destination,
            &ctx.accounts.token_program,
            amount,
        )?;
        emit_cpi!(Claimed {
            split: ctx.accounts.split.key(),
            recipient,
            destination: ctx.accounts.destination.key(),
            amount,
            claimed_by,
        });
        Ok(())
    }
}

/// Transfers `amount` from a split's vault to `destination`, signed by the split PDA.
pub(crate) fn pay_from_vault<'info>(
    split: &Account<'info, Split>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    destination: &InterfaceAccount<'info, TokenAccount>,
    token_program: &Interface<'info, TokenInterface>,
    amount: u64,
) -> Result<()> {
    require_gte!(vault.amount, amount, RoyaltiesError::VaultShortfall);
    let seeds = split.signer_seeds();
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: vault.to_account_info(),
                mint: mint.to_account_info(),
                to: destination.to_account_info(),
                authority: split.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )
}
