//! Seeds and limits of the royalties program.

/// Seed of a [`crate::state::Split`] PDA: `[SPLIT_SEED, subject]`.
pub const SPLIT_SEED: &[u8] = b"split";
/// Seed of a split's vault token account PDA: `[VAULT_SEED, split]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of a [`crate::state::Parked`] record PDA:
/// `[PARKED_SEED, split, version.to_le_bytes()]`, where `version` is the split's version before
/// the `update_split` that parked the balances.
pub const PARKED_SEED: &[u8] = b"parked";

/// Basis-point denominator (10,000 bps = 100%), shared by the three programs.
pub use tessera_common::bps::{BPS_DENOMINATOR, MAX_BPS};
/// Most recipients with a non-zero share a split may have.
pub const MAX_RECIPIENTS: usize = 16;
/// Most entries a split stores: the active recipients plus removed recipients that still have
/// an unclaimed balance (they keep an entry with a zero share until it is claimed). When an
/// update would need more, every removed recipient's balance moves to a [`crate::state::Parked`]
/// record instead, so this bound never blocks `update_split`.
pub const MAX_ENTRIES: usize = 24;
