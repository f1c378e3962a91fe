use anchor_lang::prelude::*;
use anchor_spl::{
    associated_token::AssociatedToken,
    token_interface::{Mint, TokenAccount, TokenInterface},
};

use crate::{constants::*, errors::RoyaltiesError, events::Claimed, instructions::claim::pay_from_vault, state::Split};

/// Permissionless: pays a recipient everything it is owed, into the recipient's own associated
/// token account (created if missing, at the caller's expense). Lets bots distribute royalties.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimFor<'info> {
    /// Anyone; pays the fee and, if needed, the rent of the recipient's token account.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: only the key is used: it must be an entry of `split` (checked by `record_claim`
    /// in the handler), and `destination` must be its associated token account (constraint).
    pub recipient: UncheckedAccount<'info>,
    /// The split paying; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
    /// The split's vault (address stored in the split).
    #[account(mut, address = split.vault @ RoyaltiesError::VaultMismatch)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The split's payment mint (address stored in the split).
    #[account(address = split.mint @ RoyaltiesError::MintMismatch)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The recipient's associated token account for `mint`: the only place this pays.
    #[account(
        init_if_needed,
        payer = payer,
        associated_token::mint = mint,
        associated_token::authority = recipient,
        associated_token::token_program = token_program,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token or Token-2022.
    pub token_program: Interface<'info, TokenInterface>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl ClaimFor<'_> {
    fn validate(&self) -> Result<()> {
        // payer: signer. recipient: an entry of the split with something owed (below;
        // `record_claim` re-checks). split: PDA + stored bump. vault, mint: stored addresses.
        // destination: the recipient's ATA (constraint).
        self.split.check_claimable(&self.recipient.key())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn claim_for(ctx: Context<Self>) -> Result<()> {
        let recipient = ctx.accounts.recipient.key();
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
            claimed_by: ctx.accounts.payer.key(),
        });
        Ok(())
    }
}
