use anchor_lang::prelude::*;

use crate::state::{ParkedBalance, RecipientInput};

/// A split and its vault were created.
#[event]
pub struct SplitCreated {
    pub split: Pubkey,
    pub subject: Pubkey,
    pub authority: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub recipients: Vec<RecipientInput>,
}

/// Tokens arrived in a split's vault.
#[event]
pub struct Deposited {
    pub split: Pubkey,
    pub depositor: Pubkey,
    /// What the depositor sent.
    pub amount: u64,
    /// What the vault actually received (less than `amount` for a mint that takes a transfer fee).
    pub received: u64,
    /// Everything the split has ever received.
    pub total_received: u128,
}

/// A recipient was paid what it was owed.
#[event]
pub struct Claimed {
    pub split: Pubkey,
    pub recipient: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    /// The signer who sent the claim (the recipient itself, or anyone through `claim_for` or
    /// `claim_parked`).
    pub claimed_by: Pubkey,
}

/// The recipients or their shares changed.
#[event]
pub struct SplitUpdated {
    pub split: Pubkey,
    pub authority: Pubkey,
    pub recipients: Vec<RecipientInput>,
    /// Increments on every update.
    pub version: u32,
}

/// Tokens that reached the vault without a `deposit` (a plain transfer) were credited to the
/// split's pool, exactly as a deposit of that amount would have been.
#[event]
pub struct Synced {
    pub split: Pubkey,
    /// What was credited: the vault's balance minus what the split still held for its
    /// recipients before the sync (0 if nothing was uncredited).
    pub amount: u64,
    /// Everything the split has ever received, this sync included.
    pub total_received: u128,
}

/// An update would have overflowed the split's entries: the balances of every removed
/// recipient moved to a `Parked` record, from which `claim_parked` pays them.
#[event]
pub struct BalancesParked {
    pub split: Pubkey,
    /// The `Parked` record, at `[PARKED_SEED, split, version.to_le_bytes()]`.
    pub parked: Pubkey,
    /// The split's version before the update (the record's seed).
    pub version: u32,
    pub balances: Vec<ParkedBalance>,
}

/// The split's authority proposed a new authority (`None`: withdrew its proposal).
#[event]
pub struct SplitAuthorityProposed {
    pub split: Pubkey,
    pub authority: Pubkey,
    pub proposed: Option<Pubkey>,
}

/// The proposed authority accepted: it is now the split's authority.
#[event]
pub struct SplitAuthorityAccepted {
    pub split: Pubkey,
    pub previous_authority: Pubkey,
    pub authority: Pubkey,
}
