#![allow(deprecated)] // solana-program-test 3.x marks its API "Agave unstable"; pinned exactly.
//! A ready registry: admin, treasury, a USDC-like mint (6 decimals) on the allow-list, the
//! config initialised; and short-hands for the common flows.

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    escrow::{
        instructions::{InitializeConfigArgs as InitializeEscrowArgs, OpenJobArgs, RegisterProviderArgs},
        state::{EscrowConfig, EscrowSettings, Job, MintBond, Provider},
    },
    ix::{
        self,
        escrow::{OpenJobAccounts, SettleAccounts},
        registry::BuyAccounts,
    },
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
    /// The escrow's dispute arbiter (after [`World::init_escrow`]).
    pub arbiter: Keypair,
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
pub fn publish_args(seed: u8, price: u64, access_duration: u64, split: &[(Pubkey, u16)]) -> PublishAssetArgs {
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
            arbiter: Keypair::new(),
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
    pub async fn update_config(&mut self, args: tessera_client::registry::instructions::UpdateConfigArgs) -> TxResult {
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
        args.parents = parents.iter().map(|&(asset, bps)| ParentInput { asset, bps }).collect();
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

    /// `buy_access` with no duration guard (`min_access_duration: 0`).
    pub async fn buy_ix(
        &mut self,
        buyer: &Pubkey,
        buyer_usdc: &Pubkey,
        asset: &Pubkey,
        quantity: u64,
        max_unit_price: u64,
    ) -> tessera_client::Instruction {
        let args = BuyAccessArgs {
            quantity,
            max_unit_price,
            min_access_duration: 0,
        };
        self.buy_ix_with(buyer, buyer_usdc, asset, args).await
    }

    /// `buy_access` with the given guards.
    pub async fn buy_ix_with(
        &mut self,
        buyer: &Pubkey,
        buyer_usdc: &Pubkey,
        asset: &Pubkey,
        args: BuyAccessArgs,
    ) -> tessera_client::Instruction {
        let a = self.asset(asset).await;
        ix::registry::buy_access(
            &BuyAccounts {
                buyer: *buyer,
                buyer_payment_account: *buyer_usdc,
                payment_token_program: TOKEN_PROGRAM_ID,
            },
            asset,
            &a,
            args,
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
        let ix = ix::royalties::claim(&recipient.pubkey(), &pda::split(asset), &usdc, &dest, &TOKEN_PROGRAM_ID);
        (self.h.send(&[ix], &[recipient]).await, dest)
    }
}

/// Default job windows: accept 60 s, delivery 600 s, challenge 3,600 s.
pub const WINDOWS: (u32, u32, u32) = (60, 600, 3_600);
/// Default escrow cap of the slash at stake on a job: 10 × its fee.
pub const MAX_SLASH_FEE_MULTIPLE: u32 = 10;
/// Default escrow dispute window: 1 day.
pub const DISPUTE_WINDOW: u32 = 86_400;

impl World {
    /// Initialises the escrow config (treasury: the registry's; arbiter: `self.arbiter`).
    pub async fn init_escrow(&mut self, fee_bps: u16, slash_bps: u16, min_bond: u64, unbonding_delay: u32) {
        let settings = self.escrow_settings(fee_bps, slash_bps, min_bond, unbonding_delay);
        self.init_escrow_with(settings).await;
    }

    /// Initialises the escrow config with `settings` (admin: `self.admin`).
    pub async fn init_escrow_with(&mut self, settings: EscrowSettings) {
        let admin = self.admin.insecure_clone();
        let ix = self.escrow_init_ix(settings);
        self.h.send(&[ix], &[&admin]).await.expect("escrow initialize_config");
    }

    /// `initialize_config` of the escrow by the upgrade authority (`self.admin`, also the admin).
    pub fn escrow_init_ix(&self, settings: EscrowSettings) -> tessera_client::Instruction {
        ix::escrow::initialize_config(
            &self.admin.pubkey(),
            InitializeEscrowArgs {
                admin: self.admin.pubkey(),
                settings,
            },
        )
    }

    /// Escrow settings: treasury and arbiter of the world, a minimum bond of `min_bond` in the
    /// USDC-like mint only, the slash capped at [`MAX_SLASH_FEE_MULTIPLE`] × the fee, no
    /// minimum windows, a [`DISPUTE_WINDOW`] dispute window.
    pub fn escrow_settings(&self, fee_bps: u16, slash_bps: u16, min_bond: u64, unbonding_delay: u32) -> EscrowSettings {
        EscrowSettings {
            treasury: self.treasury.pubkey(),
            arbiter: self.arbiter.pubkey(),
            fee_bps,
            slash_bps,
            max_slash_fee_multiple: MAX_SLASH_FEE_MULTIPLE,
            min_accept_window: 0,
            min_delivery_window: 0,
            min_challenge_window: 0,
            dispute_window: DISPUTE_WINDOW,
            unbonding_delay,
            min_bonds: vec![MintBond {
                mint: self.usdc,
                min_bond,
            }],
        }
    }

    /// A provider serving `models`, bonded with `bond`; returns its authority and USDC account.
    pub async fn provider(&mut self, models: &[Pubkey], bond: u64) -> (Keypair, Pubkey) {
        let (authority, usdc) = self.buyer(bond).await;
        let ix = ix::escrow::register_provider(
            &authority.pubkey(),
            &self.usdc,
            &TOKEN_PROGRAM_ID,
            RegisterProviderArgs {
                endpoint: "https://infer.example/v1".into(),
                models: models.to_vec(),
            },
        );
        self.h.send(&[ix], &[&authority]).await.expect("register_provider");
        if bond > 0 {
            let ix = ix::escrow::bond(&authority.pubkey(), &usdc, &self.usdc, &TOKEN_PROGRAM_ID, bond);
            self.h.send(&[ix], &[&authority]).await.expect("bond");
        }
        (authority, usdc)
    }

    pub fn open_job_args(job_id: u64, fee: u64, provider: Option<Pubkey>, windows: (u32, u32, u32)) -> OpenJobArgs {
        OpenJobArgs {
            job_id,
            fee,
            input_commitment: [0x11; 32],
            provider,
            accept_window: windows.0,
            delivery_window: windows.1,
            challenge_window: windows.2,
        }
    }

    pub fn open_job_ix(
        &self,
        consumer: &Pubkey,
        consumer_usdc: &Pubkey,
        model: &Pubkey,
        gated: bool,
        args: OpenJobArgs,
    ) -> tessera_client::Instruction {
        ix::escrow::open_job(
            &OpenJobAccounts {
                consumer: *consumer,
                model: *model,
                mint: self.usdc,
                consumer_token_account: *consumer_usdc,
                token_program: TOKEN_PROGRAM_ID,
                gated,
            },
            args,
        )
    }

    /// Opens a job; returns its address.
    pub async fn open_job(
        &mut self,
        consumer: &Keypair,
        consumer_usdc: &Pubkey,
        model: &Pubkey,
        args: OpenJobArgs,
    ) -> Result<Pubkey, crate::TransactionError> {
        let job = pda::job(&consumer.pubkey(), args.job_id);
        let gated = self.asset(model).await.inference_gated;
        let ix = self.open_job_ix(&consumer.pubkey(), consumer_usdc, model, gated, args);
        self.h.send(&[ix], &[consumer]).await?;
        Ok(job)
    }

    pub async fn job(&mut self, job: &Pubkey) -> Job {
        self.h.fetch(job).await.expect("job exists")
    }

    pub async fn provider_account(&mut self, authority: &Pubkey) -> Provider {
        self.h.fetch(&pda::provider(authority)).await.expect("provider exists")
    }

    /// The payees of a settlement of a job accepted by `provider_authority`, for a model
    /// without parents (see [`World::settle_accounts_for`]).
    pub fn settle_accounts(&self, provider_authority: &Pubkey) -> SettleAccounts {
        SettleAccounts {
            provider_token_account: pda::ata(provider_authority, &self.usdc, &TOKEN_PROGRAM_ID),
            treasury_token_account: self.treasury_usdc,
            token_program: TOKEN_PROGRAM_ID,
            parent_splits: vec![],
        }
    }

    /// The payees of a settlement of `job`, with its model's parents' splits (read from the
    /// model asset).
    pub async fn settle_accounts_for(&mut self, job: &Job) -> SettleAccounts {
        let provider: Provider = self.h.fetch(&job.provider).await.expect("provider");
        let model: Asset = self.h.fetch(&job.model).await.expect("model");
        SettleAccounts {
            parent_splits: model.parents.iter().map(|p| p.split).collect(),
            ..self.settle_accounts(&provider.authority)
        }
    }

    /// The escrow config (after [`World::init_escrow`]).
    pub async fn escrow_config(&mut self) -> EscrowConfig {
        self.h
            .fetch::<EscrowConfig>(&pda::escrow_config())
            .await
            .expect("escrow config")
    }

    /// Sends `accept_job` for the provider, on the job's current terms, any slash accepted
    /// (a job that does not exist: zero terms, for the refusal).
    pub async fn accept(&mut self, provider: &Keypair, job: &Pubkey) -> TxResult {
        let ix = match self.h.fetch::<Job>(job).await {
            Some(j) => {
                let config = self.escrow_config().await;
                ix::escrow::accept_job(&provider.pubkey(), job, &j, &config, u64::MAX)
            }
            None => ix::escrow::accept_job_with(
                &provider.pubkey(),
                job,
                &Pubkey::default(),
                tessera_client::escrow::instructions::AcceptJobArgs {
                    input_commitment: [0; 32],
                    funded_at: 0,
                    fee: 0,
                    delivery_window: 0,
                    challenge_window: 0,
                    max_slash: u64::MAX,
                    arbiter: Pubkey::default(),
                    dispute_window: 0,
                },
            ),
        };
        self.h.send(&[ix], &[provider]).await
    }

    /// Sends `submit_result` (a non-zero commitment) for the provider.
    pub async fn deliver(&mut self, provider: &Keypair, job: &Pubkey) -> TxResult {
        self.h
            .send(
                &[ix::escrow::submit_result(&provider.pubkey(), job, [0x22; 32])],
                &[provider],
            )
            .await
    }
}
