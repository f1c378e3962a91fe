//! Seeds and limits of the escrow program.

/// Seed of the escrow's [`crate::state::EscrowConfig`]: `[CONFIG_SEED]`.
pub const CONFIG_SEED: &[u8] = b"config";
/// Seed of a [`crate::state::Provider`]: `[PROVIDER_SEED, authority]`.
pub const PROVIDER_SEED: &[u8] = b"provider";
/// Seed of a provider's bond vault token account: `[BOND_VAULT_SEED, provider]`.
pub const BOND_VAULT_SEED: &[u8] = b"bond";
/// Seed of a [`crate::state::Job`]: `[JOB_SEED, consumer, job_id]`.
pub const JOB_SEED: &[u8] = b"job";
/// Seed of a job's escrow vault token account: `[JOB_VAULT_SEED, job]`.
pub const JOB_VAULT_SEED: &[u8] = b"job_vault";
/// Seed of a model's provider allow-list ([`crate::state::ModelProviders`]):
/// `[MODEL_PROVIDERS_SEED, model]`.
pub const MODEL_PROVIDERS_SEED: &[u8] = b"model_providers";

/// Basis-point denominator (10,000 bps = 100%), shared by the three programs.
pub use tessera_common::bps::BPS_DENOMINATOR;
/// Highest protocol fee on inference fees: 10%.
pub const MAX_PROTOCOL_FEE_BPS: u16 = 1_000;
/// Highest share of a provider's bond the config may put at stake on one job: 50%.
pub const MAX_SLASH_BPS: u16 = 5_000;
/// The provider's share of a disputed fee when the arbiter did not decide by the dispute
/// deadline (the default rule of `settle_dispute`): half, and no slash.
pub const DEFAULT_PROVIDER_SHARE_BPS: u16 = 5_000;
/// Most mints the config sets a minimum bond for.
pub const MAX_BOND_MINTS: usize = 8;
/// Most providers a publisher allows for its model.
pub const MAX_MODEL_PROVIDERS: usize = 16;
/// Longest endpoint URI, in bytes.
pub const MAX_ENDPOINT_LEN: usize = 200;
/// Most models a provider lists as served.
pub const MAX_MODELS: usize = 16;
/// Longest accept, delivery, challenge or dispute window (and longest configured minimum
/// window): 30 days.
pub const MAX_WINDOW_SECS: u32 = 30 * 24 * 3_600;
/// Longest unbonding delay the admin may set: 90 days.
pub const MAX_UNBONDING_DELAY_SECS: u32 = 90 * 24 * 3_600;
