use anchor_lang::prelude::*;

use crate::{
    constants::{MAX_CLOSE_GRACE_SECS, MAX_PROTOCOL_FEE_BPS},
    errors::ChannelsError,
};

/// The channels program's settings, at `[CONFIG_SEED]`.
///
/// What a config change reaches: only channels opened after it. The protocol fee and the close
/// grace are fixed on a channel when it opens; the treasury is read when a channel settles (its
/// current token accounts are accepted); `paused` only stops `open_channel` and `top_up`.
#[account]
#[derive(InitSpace, Debug)]
pub struct ChannelsConfig {
    pub admin: Pubkey,
    /// Proposed by the admin with `propose_admin`; becomes the admin when it signs
    /// `accept_admin`.
    pub pending_admin: Option<Pubkey>,
    /// Owner of the token accounts receiving the protocol fee.
    pub treasury: Pubkey,
    /// Protocol fee on settled amounts (≤ 1,000 bps); snapshotted into each channel.
    pub fee_bps: u16,
    /// Bounds of a channel's close grace period, in seconds (0 < min ≤ max ≤ 30 days).
    pub min_close_grace: u32,
    pub max_close_grace: u32,
    /// A paused program refuses `open_channel` and `top_up`; settle, close and finalize go on.
    pub paused: bool,
    pub bump: u8,
}

impl ChannelsConfig {
    /// Checks settings before they are stored (after merging an update).
    pub fn validate_settings(fee_bps: u16, min_close_grace: u32, max_close_grace: u32) -> Result<()> {
        require_gte!(MAX_PROTOCOL_FEE_BPS, fee_bps, ChannelsError::FeeAboveCap);
        require!(
            min_close_grace > 0 && min_close_grace <= max_close_grace && max_close_grace <= MAX_CLOSE_GRACE_SECS,
            ChannelsError::InvalidGraceBounds
        );
        Ok(())
    }

    /// Whether `grace` seconds is a close grace a new channel may choose.
    pub fn allows_grace(&self, grace: u32) -> bool {
        (self.min_close_grace..=self.max_close_grace).contains(&grace)
    }
}

impl ChannelsConfig {
    /// The event reporting the settings as they stand.
    pub fn updated_event(&self) -> crate::events::ChannelsConfigUpdated {
        crate::events::ChannelsConfigUpdated {
            admin: self.admin,
            treasury: self.treasury,
            fee_bps: self.fee_bps,
            min_close_grace: self.min_close_grace,
            max_close_grace: self.max_close_grace,
            paused: self.paused,
        }
    }
}
