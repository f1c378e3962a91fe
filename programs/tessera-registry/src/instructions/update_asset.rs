use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::RegistryError,
    events::AssetUpdated,
    state::{Asset, AssetState},
};

/// Each field that is set replaces the stored value. The content hash, kind, mint and parents
/// never change: a new artifact is a new asset (see `previous_version` in `publish_asset`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateAssetArgs {
    pub uri: Option<String>,
    /// New unit price; 0 makes the asset free (one pass per wallet, `claim_free_pass`).
    pub price: Option<u64>,
    pub access_duration: Option<u64>,
    /// 0 = unlimited; otherwise never below what was sold.
    pub max_supply: Option<u64>,
    /// ≤ 5,000 bps. Jobs already opened keep the share they were opened with.
    pub inference_royalty_bps: Option<u16>,
    pub inference_gated: Option<bool>,
}

/// The publisher changes an asset's URI, price, access duration, max supply or inference terms.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateAsset<'info> {
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

impl UpdateAsset<'_> {
    fn validate(&self, args: &UpdateAssetArgs) -> Result<()> {
        // publisher: signer + has_one. asset: PDA with stored bump.
        require!(self.asset.state != AssetState::Retired, RegistryError::AssetRetired);
        if let Some(uri) = &args.uri {
            require!(!uri.is_empty(), RegistryError::UriEmpty);
            require_gte!(MAX_URI_LEN, uri.len(), RegistryError::UriTooLong);
        }
        if let Some(max_supply) = args.max_supply {
            require!(
                max_supply == 0 || max_supply >= self.asset.sold,
                RegistryError::MaxSupplyBelowSold
            );
        }
        if let Some(bps) = args.inference_royalty_bps {
            require_gte!(MAX_INFERENCE_ROYALTY_BPS, bps, RegistryError::InferenceRoyaltyAboveCap);
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_asset(ctx: Context<Self>, args: UpdateAssetArgs) -> Result<()> {
        let asset = &mut ctx.accounts.asset;
        if let Some(uri) = args.uri {
            asset.uri = uri;
        }
        if let Some(price) = args.price {
            asset.price = price;
        }
        if let Some(duration) = args.access_duration {
            asset.access_duration = duration;
        }
        if let Some(max_supply) = args.max_supply {
            asset.max_supply = max_supply;
        }
        if let Some(bps) = args.inference_royalty_bps {
            asset.inference_royalty_bps = bps;
        }
        if let Some(gated) = args.inference_gated {
            asset.inference_gated = gated;
        }
        emit_cpi!(AssetUpdated {
            asset: asset.key(),
            uri: asset.uri.clone(),
            price: asset.price,
            access_duration: asset.access_duration,
            max_supply: asset.max_supply,
            inference_royalty_bps: asset.inference_royalty_bps,
            inference_gated: asset.inference_gated,
        });
        Ok(())
    }
}
