use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::{
    constants::*,
    errors::EscrowError,
    events::{BondChangeReason, BondChanged},
    state::Provider,
};

/// The provider adds `amount` to its bond.
#[event_cpi]
#[derive(Accounts)]
pub struct Bond<'info> {
    /// The provider's authority; owns `source`.
    pub authority: Signer<'info>,
    /// The provider (PDA with stored bump); `has_one = authority`.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
        has_one = bond_vault,
        has_one = mint @ EscrowError::MintMismatch,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's bond vault (`has_one`).
    #[account(mut)]
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The tokens come from here: a `mint` account owned by the authority.
    #[account(mut, token::mint = mint, token::authority = authority, token::token_program = token_program)]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The provider's mint (`has_one`).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl Bond<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        // authority: signer + has_one. provider: PDA. bond_vault, mint: has_one. source: mint +
        // authority.
        require!(amount > 0, EscrowError::ZeroAmount);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn bond(ctx: Context<Self>, amount: u64) -> Result<()> {
        let before = ctx.accounts.bond_vault.amount;
        token_interface::transfer_checked(
            CpiContext::new(
                ctx.accounts.token_program.key(),
                TransferChecked {
                    from: ctx.accounts.source.to_account_info(),
                    mint: ctx.accounts.mint.to_account_info(),
                    to: ctx.accounts.bond_vault.to_account_info(),
                    authority: ctx.accounts.authority.to_account_info(),
                },
            ),
            amount,
            ctx.accounts.mint.decimals,
        )?;
        ctx.accounts.bond_vault.reload()?;
        let received = ctx
            .accounts
            .bond_vault
            .amount
            .checked_sub(before)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let p = &mut ctx.accounts.provider;
        p.bond = p
            .bond
            .checked_add(received)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        emit_cpi!(BondChanged {
            provider: p.key(),
            delta: i128::from(received),
            bond: p.bond,
            reason: BondChangeReason::Deposit,
        });
        Ok(())
    }
}
