use anchor_lang::prelude::*;

use crate::{
    constants::{MAX_PAYMENT_MINTS, MAX_PROTOCOL_FEE_BPS},
    errors::RegistryError,
};

/// The registry's global settings, at `[CONFIG_SEED]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Config {
    /// May update this config and propose its successor.
    pub admin: Pubkey,
    /// The admin's proposed successor, who becomes admin by signing `accept_admin`.
    pub pending_admin: Option<Pubkey>,
    /// Owner of the token accounts that receive the protocol fee.
    pub treasury: Pubkey,
    /// Protocol fee on every sale, in bps (≤ 1,000).
    pub fee_bps: u16,
    /// A paused registry refuses publications and sales (claims and redemptions go on).
    pub paused: bool,
    pub bump: u8,
    /// The SPL mints assets may be priced in.
    #[max_len(MAX_PAYMENT_MINTS)]
    pub payment_mints: Vec<Pubkey>,
}

impl Config {
    pub fn is_payment_mint_allowed(&self, mint: &Pubkey) -> bool {
        self.payment_mints.contains(mint)
    }

    /// Checks a fee and an allow-list before they are stored.
    pub fn validate_settings(fee_bps: u16, payment_mints: &[Pubkey]) -> Result<()> {
        require_gte!(MAX_PROTOCOL_FEE_BPS, fee_bps, RegistryError::FeeAboveCap);
        require_gte!(
            MAX_PAYMENT_MINTS,
            payment_mints.len(),
            RegistryError::TooManyPaymentMints
        );
        for (i, m) in payment_mints.iter().enumerate() {
            require!(!payment_mints[..i].contains(m), RegistryError::DuplicatePaymentMint);
        }
        Ok(())
    }
}
