use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::{constants::*, errors::RoyaltiesError, events::Deposited, state::Split};

/// Moves `amount` tokens from the depositor into a split's vault and credits the split with
/// what the vault actually received (possibly 0 in a transfer-fee mint). Open to anyone; the
/// registry calls it by CPI on each sale, the escrow on each settlement.
#[event_cpi]
#[derive(Accounts)]
pub struct Deposit<'info> {
    /// Owner of `source`; signs the transfer.
    pub depositor: Signer<'info>,
    /// The tokens come from here: a `mint` account owned by `depositor`.
    #[account(
        mut,
        token::mint = mint,
        token::authority = depositor,
        token::token_program = token_program,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The split credited; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
    /// The split's vault (address stored in the split).
    #[account(mut, address = split.vault @ RoyaltiesError::VaultMismatch)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The split's payment mint (address stored in the split).
    #[account(address = split.mint @ RoyaltiesError::MintMismatch)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// SPL Token or Token-2022; `source` must be owned by it (constraint on `source`).
    pub token_program: Interface<'info, TokenInterface>,
}

impl Deposit<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        // depositor: signer. source: mint + authority + program (constraints). split: PDA with
        // stored bump. vault, mint: addresses stored in the split.
        require!(amount > 0, RoyaltiesError::ZeroDeposit);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn deposit(ctx: Context<Self>, amount: u64) -> Result<()> {
        let before = ctx.accounts.vault.amount;
        token_interface::transfer_checked(
            CpiContext::new(
                ctx.accounts.token_program.key(),
                TransferChecked {
                    from: ctx.accounts.source.to_account_info(),
                    mint: ctx.accounts.mint.to_account_info(),
                    to: ctx.accounts.vault.to_account_info(),
                    authority: ctx.accounts.depositor.to_account_info(),
                },
            ),
            amount,
            ctx.accounts.mint.decimals,
        )?;
        ctx.accounts.vault.reload()?;
        let received = ctx
            .accounts
            .vault
            .amount
            .checked_sub(before)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        // A deposit the mint's transfer fee eats entirely (a Token-2022 fee mint, a share of a
        // unit or two) credits nothing; it must not refuse the sale or settlement making it.

        let split = &mut ctx.accounts.split;
        split.record_deposit(received)?;
        emit_cpi!(Deposited {
            split: split.key(),
            depositor: ctx.accounts.depositor.key(),
            amount,
            received,
            total_received: split.total_received,
        });
        Ok(())
    }
}
