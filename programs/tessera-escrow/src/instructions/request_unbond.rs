use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::UnbondRequested,
    state::{EscrowConfig, Provider},
};

/// The provider asks to withdraw `amount` of its bond; it may withdraw it once the unbonding
/// delay (as configured now: fixed in `unbond_available_at`) has passed and it has no open
/// jobs. The amount stays slashable until then.
#[event_cpi]
#[derive(Accounts)]
pub struct RequestUnbond<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The escrow config (PDA with stored bump): the unbonding delay.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The provider (PDA with stored bump); `has_one = authority`.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
}

impl RequestUnbond<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        // authority: signer + has_one. config, provider: PDAs.
        require!(amount > 0, EscrowError::ZeroAmount);
        require_gte!(self.provider.bond, amount, EscrowError::UnbondAboveBond);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn request_unbond(ctx: Context<Self>, amount: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let available_at = now
            .checked_add(i64::from(ctx.accounts.config.unbonding_delay))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let p = &mut ctx.accounts.provider;
        p.unbond_amount = amount;
        p.unbond_requested_at = now;
        p.unbond_available_at = available_at;
        emit_cpi!(UnbondRequested {
            provider: p.key(),
            amount,
            available_at,
        });
        Ok(())
    }
}
