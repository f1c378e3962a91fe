#![allow(deprecated)] // solana-program-test 3.x marks its API "Agave unstable"; pinned exactly.
//! A ready registry: admin, treasury, a USDC-like mint (6 decimals) on the allow-list, the
//! config initialised; and short-hands for the common flows.

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    ix::{self, registry::BuyAccounts},
    pda,
    registry::{
        instructions::{BuyAccessArgs, InitializeConfigArgs, ParentInput, PublishAssetArgs},
        state::{AccessPass, Asset, AssetKind, License},
    },
    royalties::state::{RecipientInput, Split},
    TOKEN_PROGRAM_ID,
};

use crate::{program_test, Harness, TxResult};

pub const SOL: u64 = 1_000_000_000;
/// One unit of the 6-decimal test mint.
pub const USDC: u64 = 1_000_000;

pub struct World {
    pub h: Harness,
    pub admin: Keypair,
    pub treasury: Keypair,
    pub usdc: Pubkey,
    pub treasury_usdc: Pubkey,
}

/// A SHA-256-sized content hash made from a seed byte (tests need distinct, non-zero hashes).
pub fn hash(seed: u8) -> [u8; 32] {
    let mut h = [seed; 32];
    h[0] = 0xAB;
    h
}

pub fn recipients(shares: &[(Pubkey, u16)]) -> Vec<RecipientInput> {
    shares
        .iter()
        .map(|&(address, bps)| RecipientInput { address, bps })
        .collect()
}

/// Publication arguments with sensible defaults: a dataset, unlimited supply, no parents.
pub fn publish_args(
    seed: u8,
    price: u64,
    access_duration: u64,
    split: &[(Pubkey, u16)],
) -> PublishAssetArgs {
    PublishAssetArgs {
        kind: AssetKind::Dataset,
        content_hash: hash(seed),
        uri: format!("ar://tessera-test-{seed}"),
        license: License {
            flags: tessera_client::registry::constants::LICENSE_COMMERCIAL_USE,
            terms_hash: [7; 32],
        },
        price,
        max_supply: 0,
        access_duration,
        inference_royalty_bps: 0,
        inference_gated: false,
        parents: vec![],
        recipients: recipients(split),
    }
}

impl World {
    /// Programs loaded; config not initialised (the admin is the upgrade authority).
    pub async fn bare() -> Self {
        let admin = Keypair::new();
        let pt = program_test(&admin.pubkey());
        let mut h = Harness::start(pt).await;
        let fund = solana_system_interface::instruction::transfer(&h.payer(), &admin.pubkey(), 10 * SOL);
        h.send(&[fund], &[]).await.expect("fund admin");
        let treasury = Keypair::new();
        let usdc = h.create_mint(6, &TOKEN_PROGRAM_ID).await;
        let treasury_usdc = h.ata(&treasury.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
        World {
            h,
            admin,
            treasury,
            usdc,
            treasury_usdc,
        }
    }

    /// A registry with `fee_bps` protocol fee and the USDC-like mint allowed.
    pub async fn new(fee_bps: u16) -> Self {
        let mut w = Self::bare().await;
        let ix = ix::registry::initialize_config(
            &w.admin.pubkey(),
            InitializeConfigArgs {
                admin: w.admin.pubkey(),
                treasury: w.treasury.pubkey(),
                fee_bps,
                payment_mints: vec![w.usdc],
            },
        );
        let admin = w.admin.insecure_clone();
        w.h.send(&[ix], &[&admin]).await.expect("initialize_config");
        w
    }

    /// A publisher and a listed dataset whose split pays the publisher 100%.
    pub async fn listed(&mut self, seed: u8, price: u64, access_duration: u64) -> (Keypair, Pubkey) {
        let publisher = self.keypair().await;
        let args = publish_args(seed, price, access_duration, &[(publisher.pubkey(), 10_000)]);
        let asset = self.publish(&publisher, args).await.expect("publish");
        (publisher, asset)
    }

    /// Sends `update_config` signed by the admin.
    pub async fn update_config(
        &mut self,
        args: tessera_client::registry::instructions::UpdateConfigArgs,
    ) -> TxResult {
        let admin = self.admin.insecure_clone();
        let ix = ix::registry::update_config(&admin.pubkey(), args);
        self.h.send(&[ix], &[&admin]).await
    }

    pub async fn keypair(&mut self) -> Keypair {
        self.h.funded_keypair(SOL).await
    }

    /// A funded buyer holding `usdc` base units; returns it and its USDC account.
    pub async fn buyer(&mut self, usdc: u64) -> (Keypair, Pubkey) {
        let kp = self.keypair().await;
        let ata = self.h.ata(&kp.pubkey(), &self.usdc, &TOKEN_PROGRAM_ID).await;
        if usdc > 0 {
            let mint = self.usdc;
            self.h.mint_to(&mint, &ata, &TOKEN_PROGRAM_ID, usdc).await;
        }
        (kp, ata)
    }

    pub fn publish_ix(&self, publisher: &Pubkey, args: PublishAssetArgs) -> tessera_client::Instruction {
        ix::registry::publish_asset(publisher, &self.usdc, &TOKEN_PROGRAM_ID, None, args)
    }

    /// Publishes; returns the asset's address.
    pub async fn publish(
        &mut self,
        publisher: &Keypair,
        args: PublishAssetArgs,
    ) -> Result<Pubkey, crate::TransactionError> {
        let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
        let ix = self.publish_ix(&publisher.pubkey(), args);
        self.h.send(&[ix], &[publisher]).await?;
        Ok(asset)
    }

    /// Publishes a model with the given parents.
    pub async fn publish_model(
        &mut self,
        publisher: &Keypair,
        seed: u8,
        price: u64,
        parents: &[(Pubkey, u16)],
        split: &[(Pubkey, u16)],
    ) -> Result<Pubkey, crate::TransactionError> {
        let mut args = publish_args(seed, price, 0, split);
        args.kind = AssetKind::Model;
        args.parents = parents
            .iter()
            .map(|&(asset, bps)| ParentInput { asset, bps })
            .collect();
        self.publish(publisher, args).await
    }

    pub async fn asset(&mut self, asset: &Pubkey) -> Asset {
        self.h.fetch(asset).await.expect("asset exists")
    }

    pub async fn split(&mut self, asset: &Pubkey) -> Split {
        self.h.fetch(&pda::split(asset)).await.expect("split exists")
    }

    pub async fn pass(&mut self, asset: &Pubkey, holder: &Pubkey) -> Option<AccessPass> {
        self.h.fetch(&pda::pass(asset, holder)).await
    }

    pub async fn vault_balance(&mut self, asset: &Pubkey) -> u64 {
        let vault = pda::vault(&pda::split(asset));
        self.h.balance(&vault).await
    }

    pub async fn buy_ix(
        &mut self,
        buyer: &Pubkey,
        buyer_usdc: &Pubkey,
        asset: &Pubkey,
        quantity: u64,
        max_unit_price: u64,
    ) -> tessera_client::Instruction {
        let a = self.asset(asset).await;
        ix::registry::buy_access(
            &BuyAccounts {
                buyer: *buyer,
                buyer_payment_account: *buyer_usdc,
                treasury_token_account: self.treasury_usdc,
                payment_token_program: TOKEN_PROGRAM_ID,
            },
            asset,
            &a,
            BuyAccessArgs {
                quantity,
                max_unit_price,
            },
        )
    }

    pub async fn buy(
        &mut self,
        buyer: &Keypair,
        buyer_usdc: &Pubkey,
        asset: &Pubkey,
        quantity: u64,
        max_unit_price: u64,
    ) -> TxResult {
        let ix = self
            .buy_ix(&buyer.pubkey(), buyer_usdc, asset, quantity, max_unit_price)
            .await;
        self.h.send(&[ix], &[buyer]).await
    }

    /// The recipient claims from `asset`'s split into its own USDC account (created if needed);
    /// returns the result and the account.
    pub async fn claim(&mut self, recipient: &Keypair, asset: &Pubkey) -> (TxResult, Pubkey) {
        let usdc = self.usdc;
        let dest = self.h.ata(&recipient.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
        let ix = ix::royalties::claim(
            &recipient.pubkey(),
            &pda::split(asset),
            &usdc,
            &dest,
            &TOKEN_PROGRAM_ID,
        );
        (self.h.send(&[ix], &[recipient]).await, dest)
    }
}
