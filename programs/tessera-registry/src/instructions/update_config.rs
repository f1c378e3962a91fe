use anchor_lang::prelude::*;

use crate::{constants::*, errors::RegistryError, events::ConfigUpdated, state::Config};

/// Each field that is set replaces the stored value. The admin is not among them: it changes
/// in two steps (`propose_admin`, then `accept_admin` signed by the successor).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigArgs {
    pub treasury: Option<Pubkey>,
    pub fee_bps: Option<u16>,
    pub payment_mints: Option<Vec<Pubkey>>,
    pub paused: Option<bool>,
}

/// The admin changes the registry's settings, or pauses / unpauses it. A new treasury takes
/// effect for the next sale: buyers pay the fee into any token account of the new treasury
/// (its associated account can be created by anyone).
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The config's admin.
    pub admin: Signer<'info>,
    /// The config; PDA with its stored bump; `has_one = admin`.
    #[account(
        mut,
        seeds = [CONFIG_SEED],
        bump = config.bump,
        has_one = admin @ RegistryError::NotAdmin,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl UpdateConfig<'_> {
    fn validate(&self, args: &UpdateConfigArgs) -> Result<()> {
        // admin: signer + has_one (constraint). config: PDA + stored bump.
        let fee = args.fee_bps.unwrap_or(self.config.fee_bps);
        let mints = args.payment_mints.as_deref().unwrap_or(&self.config.payment_mints);
        Config::validate_settings(fee, mints)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_config(ctx: Context<Self>, args: UpdateConfigArgs) -> Result<()> {
        let config = &mut ctx.accounts.config;
        if let Some(treasury) = args.treasury {
            config.treasury = treasury;
        }
        if let Some(fee_bps) = args.fee_bps {
            config.fee_bps = fee_bps;
        }
        if let Some(mints) = args.payment_mints {
            config.payment_mints = mints;
        }
        if let Some(paused) = args.paused {
            config.paused = paused;
        }
        emit_cpi!(ConfigUpdated {
            config: config.key(),
            admin: config.admin,
            treasury: config.treasury,
            fee_bps: config.fee_bps,
            payment_mints: config.payment_mints.clone(),
            paused: config.paused,
        });
        Ok(())
    }
}
