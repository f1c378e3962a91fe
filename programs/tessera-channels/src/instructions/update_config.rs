use anchor_lang::prelude::*;

use crate::{constants::*, errors::ChannelsError, state::ChannelsConfig};

/// Each field that is set replaces the stored value; the result is validated as a whole. The
/// admin is not among them: it changes in two steps (`propose_admin`, then `accept_admin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigArgs {
    pub treasury: Option<Pubkey>,
    pub fee_bps: Option<u16>,
    pub min_close_grace: Option<u32>,
    pub max_close_grace: Option<u32>,
    pub paused: Option<bool>,
}

/// The admin changes the settings, or pauses / unpauses the program. Open channels keep their
/// protocol fee and close grace (snapshots); a new treasury receives the fee of the next
/// settlement (into any of its token accounts); a pause stops only openings and top-ups.
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
        has_one = admin @ ChannelsError::NotAdmin,
    )]
    pub config: Box<Account<'info, ChannelsConfig>>,
}

impl UpdateConfig<'_> {
    fn validate(&self, args: &UpdateConfigArgs) -> Result<()> {
        // admin: signer + has_one. config: PDA + stored bump. The merged settings:
        let c = &self.config;
        ChannelsConfig::validate_settings(
            args.fee_bps.unwrap_or(c.fee_bps),
            args.min_close_grace.unwrap_or(c.min_close_grace),
            args.max_close_grace.unwrap_or(c.max_close_grace),
        )
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
        if let Some(min) = args.min_close_grace {
            config.min_close_grace = min;
        }
        if let Some(max) = args.max_close_grace {
            config.max_close_grace = max;
        }
        if let Some(paused) = args.paused {
            config.paused = paused;
        }
        emit_cpi!(config.updated_event());
        Ok(())
    }
}
