use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::EscrowConfigUpdated,
    state::{EscrowConfig, EscrowSettings},
};

/// The admin replaces the escrow's settings. Open jobs keep the fee they were opened with.
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
            admin: args.admin,
            treasury: args.treasury,
            arbiter: args.arbiter,
            fee_bps: args.fee_bps,
            slash_bps: args.slash_bps,
            min_bond: args.min_bond,
            unbonding_delay: args.unbonding_delay,
        });
        Ok(())
    }
}
