//! Tessera registry: datasets and AI models listed as on-chain assets, each with its own
//! access-token mint; buyers pay for access tokens and get an access pass; every sale is split
//! between the protocol treasury, the parents' royalty splits and the asset's own split.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod mint_policy;
pub mod return_data;
pub mod state;

use instructions::*;
use state::VerifiedAccess;

declare_id!("ELoRa4yDZGJbfXsHVHadkZZP5bobguRwkhSZCcpUviCR");

#[program]
pub mod tessera_registry {
    use super::*;

    /// Creates the global config (upgrade authority only).
    pub fn initialize_config(ctx: Context<InitializeConfig>, args: InitializeConfigArgs) -> Result<()> {
        InitializeConfig::initialize_config(ctx, args)
    }

    /// Admin: changes fee, treasury, allowed mints; pauses or unpauses.
    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        UpdateConfig::update_config(ctx, args)
    }

    /// Admin: proposes its successor (first step of an admin transfer).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        ProposeAdmin::propose_admin(ctx, new_admin)
    }

    /// The proposed admin accepts the role (second step).
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        AcceptAdmin::accept_admin(ctx)
    }

    /// Lists a dataset or model with its access mint and royalty split.
    pub fn publish_asset<'info>(ctx: Context<'info, PublishAsset<'info>>, args: PublishAssetArgs) -> Result<()> {
        PublishAsset::publish_asset(ctx, args)
    }

    /// Publisher: changes URI, price, access duration or max supply.
    pub fn update_asset(ctx: Context<UpdateAsset>, args: UpdateAssetArgs) -> Result<()> {
        UpdateAsset::update_asset(ctx, args)
    }

    /// Publisher: takes the asset off sale.
    pub fn delist_asset(ctx: Context<SetAssetState>) -> Result<()> {
        SetAssetState::delist_asset(ctx)
    }

    /// Publisher: puts a delisted asset back on sale.
    pub fn relist_asset(ctx: Context<SetAssetState>) -> Result<()> {
        SetAssetState::relist_asset(ctx)
    }

    /// Publisher: ends the asset's sales for good.
    pub fn retire_asset(ctx: Context<SetAssetState>) -> Result<()> {
        SetAssetState::retire_asset(ctx)
    }

    /// Buys access tokens; pays the treasury, the parents' splits and the asset's split.
    pub fn buy_access<'info>(ctx: Context<'info, BuyAccess<'info>>, args: BuyAccessArgs) -> Result<()> {
        BuyAccess::buy_access(ctx, args)
    }

    /// Claims the pass of a free asset (price 0): one token, once per wallet.
    pub fn claim_free_pass(ctx: Context<ClaimFreePass>) -> Result<()> {
        ClaimFreePass::claim_free_pass(ctx)
    }

    /// Holder: burns access tokens to consume access.
    pub fn redeem_access(ctx: Context<RedeemAccess>, quantity: u64) -> Result<()> {
        RedeemAccess::redeem_access(ctx, quantity)
    }

    /// Publisher: revokes a holder's pass, with a reason code.
    pub fn revoke_pass(ctx: Context<RevokePass>, reason: u16) -> Result<()> {
        RevokePass::revoke_pass(ctx, reason)
    }

    /// Anyone: moves an asset's accrued protocol fees to the treasury.
    pub fn sweep_fees(ctx: Context<SweepFees>) -> Result<()> {
        SweepFees::sweep_fees(ctx)
    }

    /// Read-only: succeeds only when the holder's access is valid now; returns whose access to
    /// which asset it verified.
    pub fn verify_access(ctx: Context<VerifyAccess>) -> Result<VerifiedAccess> {
        VerifyAccess::verify_access(ctx)
    }
}
