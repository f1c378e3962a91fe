//! Seeds and limits of the registry program.

/// Seed of the global [`crate::state::Config`]: `[CONFIG_SEED]`.
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed of an [`crate::state::Asset`]: `[ASSET_SEED, publisher, content_hash]`.
pub const ASSET_SEED: &[u8] = b"asset";
/// Seed of an asset's access-token mint: `[ACCESS_MINT_SEED, asset]`.
pub const ACCESS_MINT_SEED: &[u8] = b"access_mint";
/// Seed of an asset's fee vault, the token account where the protocol fee of its sales accrues
/// until `sweep_fees` moves it to the treasury: `[FEE_VAULT_SEED, asset]`.
pub const FEE_VAULT_SEED: &[u8] = b"fee_vault";
/// Seed of an [`crate::state::AccessPass`]: `[PASS_SEED, asset, holder]`.
pub const PASS_SEED: &[u8] = b"pass";

/// Basis-point denominator (10,000 bps = 100%), shared by the three programs.
pub use tessera_common::bps::BPS_DENOMINATOR;
/// Highest protocol fee the admin may set: 10%.
pub const MAX_PROTOCOL_FEE_BPS: u16 = 1_000;
/// Most payment mints the allow-list holds.
pub const MAX_PAYMENT_MINTS: usize = 8;
/// Longest metadata URI, in bytes.
pub const MAX_URI_LEN: usize = 200;
/// Most parent assets a model may declare.
pub const MAX_PARENTS: usize = 8;
/// Highest sum of the parents' shares of a sale.
pub const MAX_PARENTS_TOTAL_BPS: u16 = 5_000;

/// Highest share of an inference fee a model's publisher may claim for the model's split.
pub const MAX_INFERENCE_ROYALTY_BPS: u16 = 5_000;

/// License flag: commercial use allowed.
pub const LICENSE_COMMERCIAL_USE: u8 = 1 << 0;
/// License flag: fine-tuning / derivative models allowed.
pub const LICENSE_FINE_TUNING: u8 = 1 << 1;
/// License flag: redistribution allowed.
pub const LICENSE_REDISTRIBUTION: u8 = 1 << 2;
/// Every defined license flag.
pub const LICENSE_ALL_FLAGS: u8 = LICENSE_COMMERCIAL_USE | LICENSE_FINE_TUNING | LICENSE_REDISTRIBUTION;
