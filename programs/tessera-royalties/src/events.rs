use anchor_lang::prelude::*;

use crate::state::RecipientInput;

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
    /// The signer who sent the claim (the recipient itself, or anyone through `claim_for`).
    pub claimed_by: Pubkey,
}

/// The recipients, their shares or the authority changed.
#[event]
pub struct SplitUpdated {
    pub split: Pubkey,
    pub authority: Pubkey,
    pub recipients: Vec<RecipientInput>,
    /// Increments on every update.
    pub version: u32,
}
