use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::EscrowConfigUpdated,
    state::{EscrowConfig, EscrowSettings, MintBond},
};

/// Each field that is set replaces the stored value; the merged settings are validated as a
/// whole. The admin is not among them: it changes in two steps (`propose_admin`, then
/// `accept_admin` signed by the successor). The same convention as the registry's
/// `update_config`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateConfigArgs {
    pub treasury: Option<Pubkey>,
    pub arbiter: Option<Pubkey>,
    pub fee_bps: Option<u16>,
    pub slash_bps: Option<u16>,
    pub max_slash_fee_multiple: Option<u32>,
    pub min_accept_window: Option<u32>,
    pub min_delivery_window: Option<u32>,
    pub min_challenge_window: Option<u32>,
    pub dispute_window: Option<u32>,
    pub unbonding_delay: Option<u32>,
    /// Replaces the whole per-mint list (≤ 8 entries, one per mint).
    pub min_bonds: Option<Vec<MintBond>>,
}

impl UpdateConfigArgs {
    /// `current` with every set field replaced.
    pub fn merged(&self, current: EscrowSettings) -> EscrowSettings {
        EscrowSettings {
            treasury: self.treasury.unwrap_or(current.treasury),
            arbiter: self.arbiter.unwrap_or(current.arbiter),
            fee_bps: self.fee_bps.unwrap_or(current.fee_bps),
            slash_bps: self.slash_bps.unwrap_or(current.slash_bps),
            max_slash_fee_multiple: self.max_slash_fee_multiple.unwrap_or(current.max_slash_fee_multiple),
            min_accept_window: self.min_accept_window.unwrap_or(current.min_accept_window),
            min_delivery_window: self.min_delivery_window.unwrap_or(current.min_delivery_window),
            min_challenge_window: self.min_challenge_window.unwrap_or(current.min_challenge_window),
            dispute_window: self.dispute_window.unwrap_or(current.dispute_window),
            unbonding_delay: self.unbonding_delay.unwrap_or(current.unbonding_delay),
            min_bonds: self.min_bonds.clone().unwrap_or(current.min_bonds),
        }
    }
}

/// Every field set: replaces all the settings.
impl From<EscrowSettings> for UpdateConfigArgs {
    fn from(s: EscrowSettings) -> Self {
        Self {
            treasury: Some(s.treasury),
            arbiter: Some(s.arbiter),
            fee_bps: Some(s.fee_bps),
            slash_bps: Some(s.slash_bps),
            max_slash_fee_multiple: Some(s.max_slash_fee_multiple),
            min_accept_window: Some(s.min_accept_window),
            min_delivery_window: Some(s.min_delivery_window),
            min_challenge_window: Some(s.min_challenge_window),
            dispute_window: Some(s.dispute_window),
            unbonding_delay: Some(s.unbonding_delay),
            min_bonds: Some(s.min_bonds),
        }
    }
}

/// The admin changes the escrow's settings. Jobs already opened keep their protocol fee; jobs
/// already accepted keep their slash amount, arbiter and dispute window (see
/// [`EscrowConfig`]).
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
    fn validate(&self, args: &UpdateConfigArgs) -> Result<()> {
        // admin: signer + has_one. config: PDA + stored bump. The merged settings:
        args.merged(self.config.settings()).validate()
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_config(ctx: Context<Self>, args: UpdateConfigArgs) -> Result<()> {
        let settings = args.merged(ctx.accounts.config.settings());
        ctx.accounts.config.apply(&settings);
        emit_cpi!(EscrowConfigUpdated {
            admin: ctx.accounts.config.admin,
            settings,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> EscrowSettings {
        EscrowSettings {
            treasury: Pubkey::new_unique(),
            arbiter: Pubkey::new_unique(),
            fee_bps: 100,
            slash_bps: 2_000,
            max_slash_fee_multiple: 10,
            min_accept_window: 60,
            min_delivery_window: 60,
            min_challenge_window: 60,
            dispute_window: 3_600,
            unbonding_delay: 86_400,
            min_bonds: vec![MintBond {
                mint: Pubkey::new_unique(),
                min_bond: 5,
            }],
        }
    }

    #[test]
    fn unset_fields_keep_their_value() {
        let current = settings();
        assert_eq!(UpdateConfigArgs::default().merged(current.clone()), current);
        let args = UpdateConfigArgs {
            fee_bps: Some(250),
            min_bonds: Some(vec![]),
            ..Default::default()
        };
        let merged = args.merged(current.clone());
        assert_eq!(merged.fee_bps, 250);
        assert!(merged.min_bonds.is_empty());
        assert_eq!(
            (merged.treasury, merged.slash_bps),
            (current.treasury, current.slash_bps)
        );
    }

    #[test]
    fn every_field_set_replaces_all() {
        let (old, new) = (settings(), settings());
        assert_eq!(UpdateConfigArgs::from(new.clone()).merged(old), new);
    }
}
