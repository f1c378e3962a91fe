use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};
use tessera_common::create::init_pda_account;

use crate::{
    constants::*,
    errors::EscrowError,
    events::EscrowConfigUpdated,
    state::{EscrowConfig, EscrowSettings},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeConfigArgs {
    /// The first admin (later transfers are two-step: `propose_admin`, `accept_admin`).
    pub admin: Pubkey,
    pub settings: EscrowSettings,
}

/// Creates the escrow's config. Only the program's upgrade authority may do it.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// The program's upgrade authority (checked against `program_data`); pays the rent.
    #[account(mut)]
    pub upgrade_authority: Signer<'info>,
    /// CHECK: the config, created here at `[CONFIG_SEED]` (address checked by the seeds)
    /// whatever lamports already sit there; an existing config is refused
    /// (`AccountAlreadyInUse`-style refusal of `create_pda_account`).
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
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
    fn validate(&self, args: &InitializeConfigArgs) -> Result<()> {
        // upgrade_authority: signer + program_data. config: seeds (created in the handler).
        args.settings.validate()
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize_config(ctx: Context<Self>, args: InitializeConfigArgs) -> Result<()> {
        let bump = ctx.bumps.config;
        let mut config = EscrowConfig {
            admin: args.admin,
            pending_admin: None,
            treasury: Pubkey::default(),
            arbiter: Pubkey::default(),
            fee_bps: 0,
            slash_bps: 0,
            max_slash_fee_multiple: 0,
            min_accept_window: 0,
            min_delivery_window: 0,
            min_challenge_window: 0,
            dispute_window: 0,
            unbonding_delay: 0,
            bump,
            min_bonds: vec![],
        };
        config.apply(&args.settings);
        init_pda_account(
            &ctx.accounts.upgrade_authority.to_account_info(),
            &ctx.accounts.config.to_account_info(),
            &ctx.accounts.system_program.to_account_info(),
            8 + EscrowConfig::INIT_SPACE,
            &[CONFIG_SEED, &[bump]],
            &config,
        )?;
        emit_cpi!(EscrowConfigUpdated {
            admin: args.admin,
            settings: args.settings,
        });
        Ok(())
    }
}
