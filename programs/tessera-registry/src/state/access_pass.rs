use anchor_lang::prelude::*;

use crate::errors::RegistryError;

/// A holder's access to an asset, at `[PASS_SEED, asset, holder]`. Valid while not revoked and
/// not expired; `verify_access` also requires at least one access token in the holder's hands.
#[account]
#[derive(InitSpace, Debug)]
pub struct AccessPass {
    pub asset: Pubkey,
    pub holder: Pubkey,
    /// Unix time at which the pass stops being valid (valid while `now < expires_at`);
    /// meaningless when `perpetual`.
    pub expires_at: i64,
    pub perpetual: bool,
    pub revoked: bool,
    /// The publisher's reason code, when revoked.
    pub revoke_reason: u16,
    /// Access tokens bought through this pass.
    pub purchased: u64,
    /// Access tokens redeemed (burnt) through this pass.
    pub redeemed: u64,
    pub created_at: i64,
    pub bump: u8,
}

impl AccessPass {
    /// Ok when the pass is valid at `now`, else the reason it is not.
    pub fn check_valid_at(&self, now: i64) -> Result<()> {
        require!(!self.revoked, RegistryError::PassRevoked);
        require!(
            self.perpetual || now < self.expires_at,
            RegistryError::PassExpired
        );
        Ok(())
    }
}

/// What `verify_access` returns to its caller (as Anchor return data): whose access to which
/// asset it verified, so a calling program can check it is the access it asked about.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedAccess {
    /// The asset the pass is for.
    pub asset: Pubkey,
    /// The pass's holder (also the owner of the token account read).
    pub holder: Pubkey,
    /// Unix time at which the pass stops being valid; meaningless when `perpetual`.
    pub expires_at: i64,
    pub perpetual: bool,
    /// Access tokens in the holder's token account that was read.
    pub balance: u64,
}
