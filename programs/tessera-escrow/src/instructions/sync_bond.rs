use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    constants::*,
    errors::EscrowError,
    events::{BondChangeReason, BondChanged},
    state::Provider,
};

/// Anyone credits the tokens sent straight to a provider's bond vault to its bond: surplus in
/// a provider's bond vault (its balance above `provider.bond`) belongs to the provider's bond.
/// Nothing to credit is not an error (no event then).
#[event_cpi]
#[derive(Accounts)]
pub struct SyncBond<'info> {
    /// The provider (PDA with stored bump).
    #[account(
        mut,
        seeds = [PROVIDER_SEED, provider.authority.as_ref()],
        bump = provider.bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The provider's bond vault (checked against `provider.bond_vault` in validate).
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl SyncBond<'_> {
    fn validate(&self) -> Result<()> {
        // provider: PDA + stored bump. bond_vault: the provider's. Permissionless.
        require_keys_eq!(
            self.bond_vault.key(),
            self.provider.bond_vault,
            EscrowError::BondVaultMismatch
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn sync_bond(ctx: Context<Self>) -> Result<()> {
        let surplus = ctx
            .accounts
            .bond_vault
            .amount
            .saturating_sub(ctx.accounts.provider.bond);
        if surplus == 0 {
            return Ok(());
        }
        let p = &mut ctx.accounts.provider;
        p.bond = p
            .bond
            .checked_add(surplus)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        emit_cpi!(BondChanged {
            provider: p.key(),
            delta: i128::from(surplus),
            bond: p.bond,
            reason: BondChangeReason::Sync,
        });
        Ok(())
    }
}
