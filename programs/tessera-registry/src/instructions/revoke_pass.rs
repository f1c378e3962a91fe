use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::RegistryError,
    events::PassRevoked,
    state::{AccessPass, Asset},
};

/// The publisher revokes a holder's pass (e.g. a license breach). A revoked pass never
/// verifies again and cannot be renewed.
#[event_cpi]
#[derive(Accounts)]
pub struct RevokePass<'info> {
    /// The asset's publisher.
    pub publisher: Signer<'info>,
    /// The asset (PDA with stored bump); `has_one = publisher`.
    #[account(
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
        has_one = publisher @ RegistryError::NotPublisher,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The pass revoked: PDA of this asset and its stored holder, stored bump.
    #[account(
        mut,
        seeds = [PASS_SEED, asset.key().as_ref(), pass.holder.as_ref()],
        bump = pass.bump,
    )]
    pub pass: Box<Account<'info, AccessPass>>,
}

impl RevokePass<'_> {
    fn validate(&self) -> Result<()> {
        // publisher: signer + has_one. asset, pass: PDAs with stored bumps.
        require!(!self.pass.revoked, RegistryError::PassAlreadyRevoked);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn revoke_pass(ctx: Context<Self>, reason: u16) -> Result<()> {
        let pass = &mut ctx.accounts.pass;
        pass.revoked = true;
        pass.revoke_reason = reason;
        emit_cpi!(PassRevoked {
            asset: pass.asset,
            holder: pass.holder,
            pass: pass.key(),
            reason,
        });
        Ok(())
    }
}
