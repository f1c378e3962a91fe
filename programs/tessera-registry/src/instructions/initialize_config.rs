use anchor_lang::{prelude::*, solana_program::bpf_loader_upgradeable};
use tessera_common::create::init_pda_account;

use crate::{constants::*, errors::RegistryError, events::ConfigInitialized, state::Config};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeConfigArgs {
    pub admin: Pubkey,
    pub treasury: Pubkey,
    /// ≤ 1,000 bps.
    pub fee_bps: u16,
    /// ≤ 8 distinct mints.
    pub payment_mints: Vec<Pubkey>,
}

/// Creates the registry's global config. Only the program's upgrade authority may do it, so
/// nobody can front-run the deployment and install themselves as admin.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// The program's upgrade authority (checked against `program_data`); pays the rent.
    #[account(mut)]
    pub upgrade_authority: Signer<'info>,
    /// CHECK: the config, created here at `[CONFIG_SEED]` (address checked by the seeds) with
    /// `tessera_common::create`, which succeeds whatever lamports already sit at the address
    /// and refuses an address already in use (`AccountNotSystemOwned`): a second
    /// initialisation fails.
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// This program's ProgramData account (owner: the upgradeable loader, checked by the
    /// `ProgramData` type; address: PDA of this program id under the loader).
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(upgrade_authority.key())
            @ RegistryError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

impl InitializeConfig<'_> {
    fn validate(&self, args: &InitializeConfigArgs) -> Result<()> {
        // upgrade_authority: signer + matches program_data (constraint). config: PDA address
        // (seeds); created in the handler, which refuses an address already in use.
        Config::validate_settings(args.fee_bps, &args.payment_mints)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize_config(ctx: Context<Self>, args: InitializeConfigArgs) -> Result<()> {
        let config = Config {
            admin: args.admin,
            pending_admin: None,
            treasury: args.treasury,
            fee_bps: args.fee_bps,
            paused: false,
            bump: ctx.bumps.config,
            payment_mints: args.payment_mints,
        };
        let a = &ctx.accounts;
        init_pda_account(
            &a.upgrade_authority.to_account_info(),
            &a.config.to_account_info(),
            &a.system_program.to_account_info(),
            8 + Config::INIT_SPACE,
            &[CONFIG_SEED, &[config.bump]],
            &config,
        )?;
        emit_cpi!(ConfigInitialized {
            config: ctx.accounts.config.key(),
            admin: config.admin,
            treasury: config.treasury,
            fee_bps: config.fee_bps,
            payment_mints: config.payment_mints,
        });
        Ok(())
    }
}
