//! Seeds and limits of the royalties program.

/// Seed of a [`crate::state::Split`] PDA: `[SPLIT_SEED, subject]`.
pub const SPLIT_SEED: &[u8] = b"split";
/// Seed of a split's vault token account PDA: `[VAULT_SEED, split]`.
pub const VAULT_SEED: &[u8] = b"vault";

/// Shares are expressed in basis points of this denominator.
pub const BPS_DENOMINATOR: u16 = 10_000;
/// Most recipients with a non-zero share a split may have.
pub const MAX_RECIPIENTS: usize = 16;
/// Most entries a split stores: the active recipients plus removed recipients that still have
/// an unclaimed balance (they keep an entry with a zero share until it is claimed).
pub const MAX_ENTRIES: usize = 24;
