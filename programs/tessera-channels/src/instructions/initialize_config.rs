use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};
use tessera_common::create::init_pda_account;

use crate::{constants::*, errors::ChannelsError, state::ChannelsConfig};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeConfigArgs {
    /// The first admin (later transfers are two-step: `propose_admin`, `accept_admin`).
    pub admin: Pubkey,
    /// Owner of the token accounts receiving the protocol fee.
    pub treasury: Pubkey,
    /// ≤ 1,000 bps.
    pub fee_bps: u16,
    /// Bounds of a channel's close grace, in seconds: 0 < min ≤ max ≤ 30 days.
    pub min_close_grace: u32,
    pub max_close_grace: u32,
}

/// Creates the channels program's config (not paused). Only the program's upgrade authority may
/// do it, so nobody can front-run the deployment and install themselves as admin.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// The program's upgrade authority (checked against `program_data`); pays the rent.
    #[account(mut)]
    pub upgrade_authority: Signer<'info>,
    /// CHECK: the config, created here at `[CONFIG_SEED]` (address checked by the seeds)
    /// whatever lamports already sit there; an existing config is refused
    /// (`AccountNotSystemOwned`, from `tessera_common::create`).
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// This program's ProgramData (owner: the upgradeable loader, checked by the type;
    /// address: PDA of this program id under the loader).
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(upgrade_authority.key())
            @ ChannelsError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

impl InitializeConfig<'_> {
    fn validate(&self, args: &InitializeConfigArgs) -> Result<()> {
        // upgrade_authority: signer + program_data (constraint). config: seeds (created in the
        // handler, which refuses an address in use). The settings:
        ChannelsConfig::validate_settings(args.fee_bps, args.min_close_grace, args.max_close_grace)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize_config(ctx: Context<Self>, args: InitializeConfigArgs) -> Result<()> {
        let bump = ctx.bumps.config;
        let config = ChannelsConfig {
            admin: args.admin,
            pending_admin: None,
            treasury: args.treasury,
            fee_bps: args.fee_bps,
            min_close_grace: args.min_close_grace,
            max_close_grace: args.max_close_grace,
            paused: false,
            bump,
        };
        init_pda_account(
            &ctx.accounts.upgrade_authority.to_account_info(),
            &ctx.accounts.config.to_account_info(),
            &ctx.accounts.system_program.to_account_info(),
            8 + ChannelsConfig::INIT_SPACE,
            &[CONFIG_SEED, &[bump]],
            &config,
        )?;
        emit_cpi!(config.updated_event());
        Ok(())
    }
}
