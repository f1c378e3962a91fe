use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    constants::*,
    errors::RegistryError,
    return_data,
    state::{access_denied, AccessPass, Asset, VerifiedAccess},
};

/// Read-only; for other programs to call by CPI. Succeeds only when the holder's pass is valid
/// now (not revoked, not expired) and the holder holds at least one access token in the token
/// account given (any token account of the holder); returns whose access to which asset it
/// verified ([`VerifiedAccess`], Anchor return data), so that the caller can check it is the
/// access it asked about. Reads no config: no admin setting can stop a verification.
/// A caller reads the result with [`crate::return_data::verified_access`].
#[derive(Accounts)]
pub struct VerifyAccess<'info> {
    /// The asset (PDA with stored bump).
    #[account(
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The holder's pass: PDA of this asset and its stored holder, stored bump.
    #[account(
        seeds = [PASS_SEED, asset.key().as_ref(), pass.holder.as_ref()],
        bump = pass.bump,
    )]
    pub pass: Box<Account<'info, AccessPass>>,
    /// An access-token account of the holder: mint = the asset's access mint, owner = the
    /// pass's holder.
    #[account(
        token::mint = asset.access_mint,
        constraint = holder_access_account.owner == pass.holder @ RegistryError::NoAccessToken,
    )]
    pub holder_access_account: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl VerifyAccess<'_> {
    fn validate(&self) -> Result<()> {
        // asset, pass: PDAs with stored bumps. holder_access_account: mint + owner. Then the
        // one access rule, on this token account's balance.
        let now = Clock::get()?.unix_timestamp;
        match access_denied(Some(&self.pass), self.holder_access_account.amount, now) {
            None => Ok(()),
            Some(reason) => Err(reason.error()),
        }
    }

    #[access_control(ctx.accounts.validate())]
    pub fn verify_access(ctx: Context<Self>) -> Result<VerifiedAccess> {
        let verified = VerifiedAccess {
            asset: ctx.accounts.asset.key(),
            holder: ctx.accounts.pass.holder,
            expires_at: ctx.accounts.pass.expires_at,
            perpetual: ctx.accounts.pass.perpetual,
            balance: ctx.accounts.holder_access_account.amount,
        };
        let mut bytes = Vec::with_capacity(81);
        verified.serialize(&mut bytes)?;
        return_data::set_on_host(&bytes);
        Ok(verified)
    }
}
