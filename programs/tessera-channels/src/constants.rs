//! Seeds and limits of the channels program.

/// Seed of the program's [`crate::state::ChannelsConfig`]: `[CONFIG_SEED]`.
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed of a [`crate::state::Channel`]: `[CHANNEL_SEED, payer, channel_id (u64 LE)]`.
pub const CHANNEL_SEED: &[u8] = b"channel";
/// Seed of a payer's [`crate::state::PayerChannels`] (its channel counter, never closed):
/// `[PAYER_CHANNELS_SEED, payer]`.
pub const PAYER_CHANNELS_SEED: &[u8] = b"payer";
/// Seed of a channel's vault token account: `[CHANNEL_VAULT_SEED, channel]`.
pub const CHANNEL_VAULT_SEED: &[u8] = b"channel_vault";

/// Basis-point denominator (10,000 bps = 100%), shared by the Tessera programs.
pub use tessera_common::bps::BPS_DENOMINATOR;
/// Highest protocol fee on settled amounts: 10%.
pub const MAX_PROTOCOL_FEE_BPS: u16 = 1_000;
/// Longest close grace period the config may allow: 30 days.
pub const MAX_CLOSE_GRACE_SECS: u32 = 30 * 24 * 3_600;
