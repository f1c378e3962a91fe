use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::EscrowConfigUpdated,
    state::{EscrowConfig, EscrowSettings},
};

/// The admin replaces the escrow's settings (not the admin: see `propose_admin`). Jobs already
/// opened keep their protocol fee; jobs already accepted keep their slash amount, arbiter and
/// dispute window (see [`EscrowConfig`]).
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The config's admin.
    pub admin: Signer<'info>,
    /// The config (PDA with stored bump); `has_one = admin`.
    #[account(
        mut,
        seeds = [CONFIG_SEED],
        bump = config.bump,
        has_one = admin @ EscrowError::NotAdmin,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
}

impl UpdateConfig<'_> {
    fn validate(&self, args: &EscrowSettings) -> Result<()> {
        // admin: signer + has_one. config: PDA + stored bump.
        args.validate()
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_config(ctx: Context<Self>, args: EscrowSettings) -> Result<()> {
        ctx.accounts.config.apply(&args);
        emit_cpi!(EscrowConfigUpdated {
            admin: ctx.accounts.config.admin,
            settings: args,
        });
        Ok(())
    }
}
