use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};

use crate::{
    constants::*,
    errors::EscrowError,
    events::EscrowConfigUpdated,
    state::{EscrowConfig, EscrowSettings},
};

/// Creates the escrow's config. Only the program's upgrade authority may do it.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// The program's upgrade authority (checked against `program_data`); pays the rent.
    #[account(mut)]
    pub upgrade_authority: Signer<'info>,
    /// The config, at `[CONFIG_SEED]`; `init` refuses a second initialisation.
    #[account(
        init,
        payer = upgrade_authority,
        space = 8 + EscrowConfig::INIT_SPACE,
        seeds = [CONFIG_SEED],
        bump,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// This program's ProgramData (owner: the upgradeable loader, checked by the type;
    /// address: PDA of this program id under the loader).
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(upgrade_authority.key())
            @ EscrowError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

impl InitializeConfig<'_> {
    fn validate(&self, args: &EscrowSettings) -> Result<()> {
        // upgrade_authority: signer + program_data. config: fresh PDA.
        args.validate()
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize_config(ctx: Context<Self>, args: EscrowSettings) -> Result<()> {
        let config = &mut ctx.accounts.config;
        config.apply(&args);
        config.bump = ctx.bumps.config;
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
