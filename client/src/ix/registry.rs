//! Builders for `tessera-registry` instructions.

use anchor_lang::{
    prelude::Pubkey, solana_program::instruction::Instruction, system_program, InstructionData, ToAccountMetas,
};
use tessera_registry::{
    accounts as acc, instruction as data,
    instructions::{BuyAccessArgs, InitializeConfigArgs, PublishAssetArgs, UpdateAssetArgs, UpdateConfigArgs},
    state::Asset,
};

use crate::{pda, ASSOCIATED_TOKEN_PROGRAM_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_PROGRAM_ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    super::build(REGISTRY_ID, accounts, data)
}

fn event_authority() -> Pubkey {
    pda::event_authority(&REGISTRY_ID)
}

/// `initialize_config`, signed by the registry program's upgrade authority.
pub fn initialize_config(upgrade_authority: &Pubkey, args: InitializeConfigArgs) -> Instruction {
    build(
        acc::InitializeConfig {
            upgrade_authority: *upgrade_authority,
            config: pda::config(),
            program_data: pda::program_data(&REGISTRY_ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::InitializeConfig { args },
    )
}

/// `update_config`, signed by the admin.
pub fn update_config(admin: &Pubkey, args: UpdateConfigArgs) -> Instruction {
    build(
        acc::UpdateConfig {
            admin: *admin,
            config: pda::config(),
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::UpdateConfig { args },
    )
}

/// `propose_admin`, signed by the admin: `new_admin` takes over when it signs `accept_admin`.
pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(
        acc::ProposeAdmin {
            admin: *admin,
            config: pda::config(),
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::ProposeAdmin { new_admin: *new_admin },
    )
}

/// `accept_admin`, signed by the proposed admin.
pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        acc::AcceptAdmin {
            new_admin: *new_admin,
            config: pda::config(),
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::AcceptAdmin {},
    )
}

/// `publish_asset`; the parents' asset accounts are appended from `args.parents`.
pub fn publish_asset(
    publisher: &Pubkey,
    payment_mint: &Pubkey,
    payment_token_program: &Pubkey,
    previous_version: Option<Pubkey>,
    args: PublishAssetArgs,
) -> Instruction {
    let asset = pda::asset(publisher, &args.content_hash);
    let split = pda::split(&asset);
    let parents: Vec<Pubkey> = args.parents.iter().map(|p| p.asset).collect();
    let mut ix = build(
        acc::PublishAsset {
            config: pda::config(),
            publisher: *publisher,
            asset,
            access_mint: pda::access_mint(&asset),
            fee_vault: pda::fee_vault(&asset),
            payment_mint: *payment_mint,
            split,
            split_vault: pda::vault(&split),
            previous_version,
            royalties_program: ROYALTIES_ID,
            royalties_event_authority: pda::event_authority(&ROYALTIES_ID),
            payment_token_program: *payment_token_program,
            access_token_program: TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::PublishAsset { args },
    );
    ix.accounts.extend(
        parents
            .iter()
            .map(|p| anchor_lang::solana_program::instruction::AccountMeta::new_readonly(*p, false)),
    );
    ix
}

/// `update_asset`, signed by the publisher.
pub fn update_asset(publisher: &Pubkey, asset: &Pubkey, args: UpdateAssetArgs) -> Instruction {
    build(
        acc::UpdateAsset {
            publisher: *publisher,
            asset: *asset,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::UpdateAsset { args },
    )
}

/// `delist_asset`, signed by the publisher.
pub fn delist_asset(publisher: &Pubkey, asset: &Pubkey) -> Instruction {
    build(
        acc::SetAssetState {
            publisher: *publisher,
            asset: *asset,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::DelistAsset {},
    )
}

/// `relist_asset`, signed by the publisher.
pub fn relist_asset(publisher: &Pubkey, asset: &Pubkey) -> Instruction {
    build(
        acc::SetAssetState {
            publisher: *publisher,
            asset: *asset,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::RelistAsset {},
    )
}

/// `retire_asset`, signed by the publisher.
pub fn retire_asset(publisher: &Pubkey, asset: &Pubkey) -> Instruction {
    build(
        acc::SetAssetState {
            publisher: *publisher,
            asset: *asset,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::RetireAsset {},
    )
}

/// Accounts of a purchase that depend on the buyer and the registry config.
pub struct BuyAccounts {
    pub buyer: Pubkey,
    /// The buyer's token account of the payment mint.
    pub buyer_payment_account: Pubkey,
    /// The program owning the payment mint.
    pub payment_token_program: Pubkey,
}

/// `buy_access` of `asset` (its decoded account gives the mints and the parents); the
/// parents' splits and vaults are appended in the asset's order.
pub fn buy_access(accounts: &BuyAccounts, asset_key: &Pubkey, asset: &Asset, args: BuyAccessArgs) -> Instruction {
    let access_mint = asset.access_mint;
    let mut ix = build(
        acc::BuyAccess {
            config: pda::config(),
            asset: *asset_key,
            access_mint,
            pass: pda::pass(asset_key, &accounts.buyer),
            buyer: accounts.buyer,
            buyer_payment_account: accounts.buyer_payment_account,
            buyer_access_account: pda::ata(&accounts.buyer, &access_mint, &TOKEN_PROGRAM_ID),
            payment_mint: asset.payment_mint,
            fee_vault: pda::fee_vault(asset_key),
            split: asset.split,
            split_vault: pda::vault(&asset.split),
            royalties_program: ROYALTIES_ID,
            royalties_event_authority: pda::event_authority(&ROYALTIES_ID),
            payment_token_program: accounts.payment_token_program,
            access_token_program: TOKEN_PROGRAM_ID,
            associated_token_program: ASSOCIATED_TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::BuyAccess { args },
    );
    for parent in &asset.parents {
        use anchor_lang::solana_program::instruction::AccountMeta;
        ix.accounts.push(AccountMeta::new(parent.split, false));
        ix.accounts.push(AccountMeta::new(pda::vault(&parent.split), false));
    }
    ix
}

/// `claim_free_pass` of a free `asset` (price 0) by `holder`: its pass and one access token.
pub fn claim_free_pass(holder: &Pubkey, asset_key: &Pubkey, asset: &Asset) -> Instruction {
    build(
        acc::ClaimFreePass {
            config: pda::config(),
            asset: *asset_key,
            access_mint: asset.access_mint,
            pass: pda::pass(asset_key, holder),
            holder: *holder,
            holder_access_account: pda::ata(holder, &asset.access_mint, &TOKEN_PROGRAM_ID),
            access_token_program: TOKEN_PROGRAM_ID,
            associated_token_program: ASSOCIATED_TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::ClaimFreePass {},
    )
}

/// `sweep_fees` of `asset` (anyone signs as fee payer): its fee vault to the treasury's
/// `treasury_token_account` (a payment-mint account owned by the current treasury).
pub fn sweep_fees(
    asset_key: &Pubkey,
    asset: &Asset,
    treasury_token_account: &Pubkey,
    payment_token_program: &Pubkey,
) -> Instruction {
    build(
        acc::SweepFees {
            config: pda::config(),
            asset: *asset_key,
            fee_vault: pda::fee_vault(asset_key),
            payment_mint: asset.payment_mint,
            treasury_token_account: *treasury_token_account,
            payment_token_program: *payment_token_program,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::SweepFees {},
    )
}

/// `redeem_access`: the holder burns `quantity` access tokens from its associated account.
pub fn redeem_access(holder: &Pubkey, asset_key: &Pubkey, quantity: u64) -> Instruction {
    let access_mint = pda::access_mint(asset_key);
    build(
        acc::RedeemAccess {
            holder: *holder,
            asset: *asset_key,
            pass: pda::pass(asset_key, holder),
            access_mint,
            holder_access_account: pda::ata(holder, &access_mint, &TOKEN_PROGRAM_ID),
            access_token_program: TOKEN_PROGRAM_ID,
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::RedeemAccess { quantity },
    )
}

/// `revoke_pass`, signed by the publisher.
pub fn revoke_pass(publisher: &Pubkey, asset_key: &Pubkey, holder: &Pubkey, reason: u16) -> Instruction {
    build(
        acc::RevokePass {
            publisher: *publisher,
            asset: *asset_key,
            pass: pda::pass(asset_key, holder),
            event_authority: event_authority(),
            program: REGISTRY_ID,
        },
        data::RevokePass { reason },
    )
}

/// `verify_access` of `holder`, reading its associated access-token account. On success the
/// transaction's return data is the registry's `VerifiedAccess` (asset, holder, expiry,
/// balance).
pub fn verify_access(asset_key: &Pubkey, holder: &Pubkey) -> Instruction {
    let access_mint = pda::access_mint(asset_key);
    build(
        acc::VerifyAccess {
            asset: *asset_key,
            pass: pda::pass(asset_key, holder),
            holder_access_account: pda::ata(holder, &access_mint, &TOKEN_PROGRAM_ID),
        },
        data::VerifyAccess {},
    )
}
