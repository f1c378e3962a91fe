use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::RegistryError,
    events::AssetStateChanged,
    state::{Asset, AssetState},
};

/// Ends an asset's sales for good (existing passes stay valid until they expire).
#[event_cpi]
#[derive(Accounts)]
pub struct RetireAsset<'info> {
    /// The asset's publisher.
    pub publisher: Signer<'info>,
    /// The asset (PDA with stored bump); `has_one = publisher`.
    #[account(
        mut,
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
        has_one = publisher @ RegistryError::NotPublisher,
    )]
    pub asset: Box<Account<'info, Asset>>,
}

impl RetireAsset<'_> {
    fn validate(&self) -> Result<()> {
        // publisher: signer + has_one. asset: PDA with stored bump.
        require!(self.asset.state != AssetState::Retired, RegistryError::InvalidStateTransition);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn retire_asset(ctx: Context<Self>) -> Result<()> {
        let asset = &mut ctx.accounts.asset;
        let from = asset.state;
        asset.state = AssetState::Retired;
        emit_cpi!(AssetStateChanged {
            asset: asset.key(),
            from,
            to: asset.state,
        });
        Ok(())
    }
}
