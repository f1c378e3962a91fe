use anchor_lang::prelude::*;

use crate::state::{AssetKind, AssetState, License, ParentLink};

#[event]
pub struct ConfigInitialized {
    pub config: Pubkey,
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub payment_mints: Vec<Pubkey>,
}

#[event]
pub struct ConfigUpdated {
    pub config: Pubkey,
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub payment_mints: Vec<Pubkey>,
    pub paused: bool,
}

/// The admin proposed its successor (`accept_admin` completes the transfer).
#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub pending_admin: Pubkey,
}

/// The proposed admin accepted: it is the admin now.
#[event]
pub struct AdminChanged {
    pub previous: Pubkey,
    pub admin: Pubkey,
}

#[event]
pub struct AssetPublished {
    pub asset: Pubkey,
    pub publisher: Pubkey,
    pub kind: AssetKind,
    pub content_hash: [u8; 32],
    pub uri: String,
    pub license: License,
    pub access_mint: Pubkey,
    pub payment_mint: Pubkey,
    pub split: Pubkey,
    pub price: u64,
    pub max_supply: u64,
    pub access_duration: u64,
    pub inference_royalty_bps: u16,
    pub inference_gated: bool,
    pub parents: Vec<ParentLink>,
    pub previous_version: Option<Pubkey>,
}

#[event]
pub struct AssetUpdated {
    pub asset: Pubkey,
    pub uri: String,
    pub price: u64,
    pub access_duration: u64,
    pub max_supply: u64,
    pub inference_royalty_bps: u16,
    pub inference_gated: bool,
}

#[event]
pub struct AssetStateChanged {
    pub asset: Pubkey,
    pub from: AssetState,
    pub to: AssetState,
}

#[event]
pub struct AccessBought {
    pub asset: Pubkey,
    pub buyer: Pubkey,
    pub pass: Pubkey,
    pub quantity: u64,
    /// Unit price paid.
    pub price: u64,
    /// `price × quantity`.
    pub total: u64,
    /// Protocol fee sent to the treasury.
    pub fee: u64,
    /// Sent to the parents' splits, in the order of the asset's parents.
    pub parent_amounts: Vec<u64>,
    /// Sent to the asset's own split: `total - fee - Σ parent_amounts`.
    pub net: u64,
    /// The pass's expiry after this purchase (0 with `perpetual`).
    pub expires_at: i64,
    pub perpetual: bool,
    /// 1 for the asset's first sale, then +1 per sale.
    pub sale_seq: u64,
}

#[event]
pub struct AccessRedeemed {
    pub asset: Pubkey,
    pub holder: Pubkey,
    pub quantity: u64,
    /// Everything this pass has redeemed so far.
    pub redeemed_total: u64,
    /// Access tokens the holder's account keeps.
    pub remaining: u64,
}

#[event]
pub struct PassRevoked {
    pub asset: Pubkey,
    pub holder: Pubkey,
    pub pass: Pubkey,
    pub reason: u16,
}

/// An asset's fee vault was swept to the treasury (`sweep_fees`).
#[event]
pub struct FeesSwept {
    pub asset: Pubkey,
    pub treasury_token_account: Pubkey,
    /// Taken from the fee vault.
    pub amount: u64,
    /// What the treasury account received (less a Token-2022 transfer fee, if any).
    pub received: u64,
}
