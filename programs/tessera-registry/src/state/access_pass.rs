use anchor_lang::prelude::*;

use tessera_common::create::{create_pda_account, write_account};

use crate::{constants::PASS_SEED, errors::RegistryError, math};

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

/// Why a holder's access to an asset is refused: the one access rule, [`access_denied`], used by
/// `verify_access`, `redeem_access`, the client and the access gate alike. In the order checked.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessDenied {
    /// The holder has no pass for this asset.
    NoPass,
    /// The publisher revoked the pass.
    PassRevoked,
    /// The pass's access period ended.
    PassExpired,
    /// The holder holds no access token (in the token accounts considered).
    NoAccessToken,
}

impl AccessDenied {
    /// The variant's name (`"PassExpired"`, …): the registry error of the same name, and the
    /// reason the client and the CLI report.
    pub const fn name(self) -> &'static str {
        match self {
            AccessDenied::NoPass => "NoPass",
            AccessDenied::PassRevoked => "PassRevoked",
            AccessDenied::PassExpired => "PassExpired",
            AccessDenied::NoAccessToken => "NoAccessToken",
        }
    }

    /// The error the registry raises for it. A missing pass fails Anchor's account check, so
    /// `NoPass` is Anchor's `AccountNotInitialized`.
    pub fn error(self) -> Error {
        match self {
            AccessDenied::NoPass => ErrorCode::AccountNotInitialized.into(),
            AccessDenied::PassRevoked => RegistryError::PassRevoked.into(),
            AccessDenied::PassExpired => RegistryError::PassExpired.into(),
            AccessDenied::NoAccessToken => RegistryError::NoAccessToken.into(),
        }
    }
}

/// The access rule: `None` when a holder with `pass` (if any) and `balance` access tokens may
/// use the asset at unix time `now`, else the first reason it may not. A pass is valid while not
/// revoked and, unless perpetual, while `now < expires_at`; access also needs a token.
pub fn access_denied(pass: Option<&AccessPass>, balance: u64, now: i64) -> Option<AccessDenied> {
    match pass {
        None => Some(AccessDenied::NoPass),
        Some(p) => p
            .validity_at(now)
            .err()
            .or((balance == 0).then_some(AccessDenied::NoAccessToken)),
    }
}

impl AccessPass {
    /// The pass at `info` if it exists: owned by the registry with the pass discriminator
    /// (anything else at a registry-owned address is refused). `None` when the address is not
    /// the registry's (a system account, possibly holding lamports): the pass is to be created.
    pub fn load(info: &AccountInfo) -> Result<Option<AccessPass>> {
        if info.owner != &crate::ID {
            return Ok(None);
        }
        let data = info.try_borrow_data()?;
        let mut bytes: &[u8] = &data;
        Ok(Some(AccessPass::try_deserialize(&mut bytes)?))
    }

    /// Grants `holder` the access of `quantity` tokens of `asset` at `now`: the `existing` pass
    /// is extended, or a new one is created at `pass_info` (the PDA `[PASS_SEED, asset,
    /// holder]` with `bump`, prefund-safe, rent paid by `payer`). A perpetual asset
    /// (`duration` 0), or a pass that is already perpetual, stays perpetual; otherwise the
    /// expiry is extended by `quantity × duration` from the later of now and the current expiry.
    /// The pass is written and returned.
    #[allow(clippy::too_many_arguments)]
    pub fn grant<'info>(
        pass_info: &AccountInfo<'info>,
        existing: Option<AccessPass>,
        payer: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
        asset: Pubkey,
        holder: Pubkey,
        bump: u8,
        duration: u64,
        quantity: u64,
        now: i64,
    ) -> Result<AccessPass> {
        let is_new = existing.is_none();
        let mut pass = match existing {
            Some(pass) => pass,
            None => {
                create_pda_account(
                    payer,
                    pass_info,
                    system_program,
                    8 + AccessPass::INIT_SPACE,
                    &crate::ID,
                    &[PASS_SEED, asset.as_ref(), holder.as_ref(), &[bump]],
                )?;
                AccessPass {
                    asset,
                    holder,
                    expires_at: 0,
                    perpetual: false,
                    revoked: false,
                    revoke_reason: 0,
                    purchased: 0,
                    redeemed: 0,
                    created_at: now,
                    bump,
                }
            }
        };
        if duration == 0 || (!is_new && pass.perpetual) {
            pass.perpetual = true;
            pass.expires_at = 0;
        } else {
            let current = if is_new { None } else { Some(pass.expires_at) };
            pass.expires_at = math::extend_expiry(current, now, duration, quantity)
                .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        }
        pass.purchased = pass
            .purchased
            .checked_add(quantity)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        write_account(pass_info, &pass)?;
        Ok(pass)
    }

    /// The pass half of [`access_denied`]: revoked, then expired.
    pub fn validity_at(&self, now: i64) -> core::result::Result<(), AccessDenied> {
        if self.revoked {
            return Err(AccessDenied::PassRevoked);
        }
        if !self.perpetual && now >= self.expires_at {
            return Err(AccessDenied::PassExpired);
        }
        Ok(())
    }

    /// Ok when the pass is valid at `now`, else the registry error for the reason it is not.
    pub fn check_valid_at(&self, now: i64) -> Result<()> {
        self.validity_at(now).map_err(AccessDenied::error)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(expires_at: i64, perpetual: bool, revoked: bool) -> AccessPass {
        AccessPass {
            asset: Pubkey::new_unique(),
            holder: Pubkey::new_unique(),
            expires_at,
            perpetual,
            revoked,
            revoke_reason: 0,
            purchased: 1,
            redeemed: 0,
            created_at: 0,
            bump: 255,
        }
    }

    #[test]
    fn the_access_rule_checks_pass_revocation_expiry_then_tokens() {
        let now = 1_000;
        assert_eq!(access_denied(None, 5, now), Some(AccessDenied::NoPass));
        assert_eq!(access_denied(Some(&pass(now + 1, false, false)), 1, now), None);
        assert_eq!(
            access_denied(Some(&pass(now, false, false)), 1, now),
            Some(AccessDenied::PassExpired),
            "valid while now < expires_at"
        );
        assert_eq!(
            access_denied(Some(&pass(0, true, false)), 1, now),
            None,
            "perpetual ignores expires_at"
        );
        assert_eq!(
            access_denied(Some(&pass(now + 1, false, false)), 0, now),
            Some(AccessDenied::NoAccessToken)
        );
        assert_eq!(
            access_denied(Some(&pass(0, false, true)), 0, now),
            Some(AccessDenied::PassRevoked),
            "revocation first"
        );
        assert_eq!(
            access_denied(Some(&pass(0, false, false)), 0, now),
            Some(AccessDenied::PassExpired),
            "then expiry"
        );
        assert_eq!(AccessDenied::PassExpired.error(), error!(RegistryError::PassExpired));
        assert_eq!(AccessDenied::NoPass.name(), "NoPass");
    }
}
