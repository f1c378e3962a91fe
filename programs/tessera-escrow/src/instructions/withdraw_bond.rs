use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::{
    constants::*,
    errors::EscrowError,
    events::{BondChangeReason, BondChanged},
    state::Provider,
};

/// Withdraws the requested unbond amount (capped at what is left after slashes) once the
/// unbonding delay fixed at the request has passed (`provider.unbond_available_at`; no later
/// config change moves it) and the provider has no open jobs.
#[event_cpi]
#[derive(Accounts)]
pub struct WithdrawBond<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The provider (PDA with stored bump); `has_one` authority, bond vault and mint.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
        has_one = bond_vault,
        has_one = mint @ EscrowError::MintMismatch,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The bond vault (`has_one`).
    #[account(mut)]
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the bond: a `mint` account owned by the authority.
    #[account(mut, token::mint = mint, token::authority = authority, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The provider's mint (`has_one`).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl WithdrawBond<'_> {
    fn validate(&self) -> Result<()> {
        // authority: signer + has_one. provider: PDA. bond_vault, mint: has_one. destination:
        // mint + authority.
        let p = &self.provider;
        require!(p.unbond_amount > 0, EscrowError::NoUnbondRequested);
        require!(p.open_jobs == 0, EscrowError::ProviderHasOpenJobs);
        require_gte!(
            Clock::get()?.unix_timestamp,
            p.unbond_available_at,
            EscrowError::UnbondingDelayNotElapsed
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn withdraw_bond(ctx: Context<Self>) -> Result<()> {
        let amount = ctx.accounts.provider.unbond_amount.min(ctx.accounts.provider.bond);
        let seeds = ctx.accounts.provider.signer_seeds();
        if amount > 0 {
            token_interface::transfer_checked(
                CpiContext::new_with_signer(
                    ctx.accounts.token_program.key(),
                    TransferChecked {
                        from: ctx.accounts.bond_vault.to_account_info(),
                        mint: ctx.accounts.mint.to_account_info(),
                        to: ctx.accounts.destination.to_account_info(),
                        authority: ctx.accounts.provider.to_account_info(),
                    },
                    &[&seeds],
                ),
                amount,
                ctx.accounts.mint.decimals,
            )?;
        }
        let p = &mut ctx.accounts.provider;
        p.bond = p
            .bond
            .checked_sub(amount)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        p.unbond_amount = 0;
        p.unbond_requested_at = 0;
        p.unbond_available_at = 0;
        emit_cpi!(BondChanged {
            provider: p.key(),
            delta: -i128::from(amount),
            bond: p.bond,
            reason: BondChangeReason::Withdrawal,
        });
        Ok(())
    }
}
