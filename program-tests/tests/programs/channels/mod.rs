//! Issue 15: the `tessera-channels` program (pay per inference). One module per instruction
//! with its happy path and refusals, the tampered Ed25519 instructions, a Token-2022
//! transfer-fee channel, and the liveness, stray-token and prefund cases. Every test that moves
//! money checks that it adds up to the base unit ([`Fx::assert_conserved`]).

mod audit;
mod ed25519;
mod finalize_close;
mod governance;
mod initialize_config;
mod liveness;
mod open_channel;
mod payer_channels;
mod prefund;
mod request_close;
mod settle;
mod settle_and_close;
mod stray;
mod token2022;
mod top_up;
mod update_config;

use tessera_client::{
    channels::{
        instructions::{InitializeConfigArgs, OpenChannelArgs},
        payout::SettleArgs,
        state::Channel,
    },
    ix::{
        self,
        channels::{OpenChannelAccounts, SettleAccounts},
    },
    pda,
    registry::state::{Asset, AssetKind},
    Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{world::*, TestKeypair, TestSigner, TxResult};

pub const T: i64 = 1_700_000_000;
/// The channels config's protocol fee: 1%.
pub const FEE_BPS: u16 = 100;
/// The model's inference royalty: 20%.
pub const ROYALTY_BPS: u16 = 2_000;
/// The model's two parents' shares of its royalty: 30% and 10%.
pub const PARENT_BPS: [u16; 2] = [3_000, 1_000];
/// Close grace bounds of the config, and the grace the fixture's channels use.
pub const MIN_GRACE: u32 = 60;
pub const MAX_GRACE: u32 = 7 * 86_400;
pub const GRACE: u32 = 3_600;
pub const DEPOSIT: u64 = 10 * USDC;

/// A registry with two listed datasets and a listed model trained on them (royalty 20%, parents
/// 30% / 10% of it), a provider serving the model, a funded payer, and the channels config
/// (fee 1%, grace 60 s..7 days); the clock at `T`.
pub struct Fx {
    pub w: World,
    pub model: Pubkey,
    pub model_publisher: TestKeypair,
    pub parents: [Pubkey; 2],
    /// The provider's authority: the payee.
    pub payee: TestKeypair,
    pub payee_usdc: Pubkey,
    pub payer: TestKeypair,
    pub payer_usdc: Pubkey,
}

/// `initialize_config` arguments with the fixture's settings.
pub fn config_args(w: &World) -> InitializeConfigArgs {
    InitializeConfigArgs {
        admin: w.admin.pubkey(),
        treasury: w.treasury.pubkey(),
        fee_bps: FEE_BPS,
        min_close_grace: MIN_GRACE,
        max_close_grace: MAX_GRACE,
    }
}

/// Publishes a model trained on `parents` with the fixture's royalty; returns its address.
pub async fn publish_model(w: &mut World, publisher: &TestKeypair, seed: u8, parents: &[(Pubkey, u16)]) -> Pubkey {
    let mut args = publish_args(seed, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    args.inference_royalty_bps = ROYALTY_BPS;
    args.parents = parents
        .iter()
        .map(|&(asset, bps)| tessera_client::registry::instructions::ParentInput { asset, bps })
        .collect();
    w.publish(publisher, args).await.expect("publish model")
}

pub async fn fixture() -> Fx {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let init = ix::channels::initialize_config(&admin.pubkey(), config_args(&w));
    w.h.send(&[init], &[&admin]).await.expect("channels initialize_config");
    let (_, d1) = w.listed(81, USDC, 0).await;
    let (_, d2) = w.listed(82, USDC, 0).await;
    let model_publisher = w.keypair().await;
    let model = publish_model(
        &mut w,
        &model_publisher,
        90,
        &[(d1, PARENT_BPS[0]), (d2, PARENT_BPS[1])],
    )
    .await;
    let (payee, _) = w.provider(&[model], 0).await;
    let payee_usdc = pda::ata(&payee.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID);
    let (payer, payer_usdc) = w.buyer(100 * USDC).await;
    w.h.set_time(T).await;
    Fx {
        w,
        model,
        model_publisher,
        parents: [d1, d2],
        payee,
        payee_usdc,
        payer,
        payer_usdc,
    }
}

/// Where the money of a channel can be, in base units: what the payer holds, what the vault
/// holds, and what each recipient received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balances {
    pub payer: u64,
    pub vault: u64,
    pub treasury: u64,
    pub model_split: u64,
    pub parents: [u64; 2],
    pub payee: u64,
}

impl Balances {
    pub fn total(&self) -> u64 {
        self.payer + self.vault + self.treasury + self.model_split + self.parents[0] + self.parents[1] + self.payee
    }
}

impl Fx {
    pub fn open_args(channel_id: u64, deposit: u64, authorized_signer: Pubkey, close_grace: u32) -> OpenChannelArgs {
        OpenChannelArgs {
            channel_id,
            deposit,
            authorized_signer,
            close_grace,
        }
    }

    /// `open_channel` by the fixture's payer to the fixture's provider for `model`.
    pub fn open_ix(&self, model: &Pubkey, args: OpenChannelArgs) -> Instruction {
        self.open_ix_by(
            &self.payer.pubkey(),
            &self.payer_usdc,
            model,
            &self.payee.pubkey(),
            args,
        )
    }

    pub fn open_ix_by(
        &self,
        payer: &Pubkey,
        payer_usdc: &Pubkey,
        model: &Pubkey,
        provider_authority: &Pubkey,
        args: OpenChannelArgs,
    ) -> Instruction {
        ix::channels::open_channel(
            &OpenChannelAccounts {
                payer: *payer,
                model: *model,
                provider_authority: *provider_authority,
                mint: self.w.usdc,
                payer_token_account: *payer_usdc,
                token_program: TOKEN_PROGRAM_ID,
                gated: false,
            },
            args,
        )
    }

    /// Opens channel `id` with `deposit`, the payer signing its own vouchers, the default grace.
    pub async fn open(&mut self, id: u64, deposit: u64) -> Pubkey {
        let signer = self.payer.pubkey();
        self.open_with(Self::open_args(id, deposit, signer, GRACE))
            .await
            .expect("open_channel")
    }

    pub async fn open_with(
        &mut self,
        args: OpenChannelArgs,
    ) -> Result<Pubkey, tessera_program_tests::TransactionError> {
        let channel = pda::channel(&self.payer.pubkey(), args.channel_id);
        let (m, p) = (self.model, self.payer.insecure_clone());
        let ix = self.open_ix(&m, args);
        self.w.h.send(&[ix], &[&p]).await?;
        Ok(channel)
    }

    pub async fn channel(&mut self, channel: &Pubkey) -> Channel {
        self.w.h.fetch(channel).await.expect("channel exists")
    }

    pub async fn model_asset(&mut self) -> Asset {
        let m = self.model;
        self.w.asset(&m).await
    }

    /// The payees of a settlement: the payee's and the treasury's USDC accounts.
    pub fn payees(&self) -> SettleAccounts {
        SettleAccounts {
            payee_token_account: self.payee_usdc,
            treasury_token_account: self.w.treasury_usdc,
            token_program: TOKEN_PROGRAM_ID,
        }
    }

    /// `[ed25519, settle]` for a voucher of `cumulative` (expiry `expiry`) signed by `signer`.
    pub async fn settle_ixs(
        &mut self,
        channel: &Pubkey,
        cumulative: u64,
        expiry: i64,
        signer: &TestKeypair,
    ) -> [Instruction; 2] {
        let c = self.channel(channel).await;
        let model = self.w.asset(&c.model).await;
        let args = SettleArgs { cumulative, expiry };
        let sig = ix::channels::sign_voucher(signer, channel, cumulative, expiry);
        let mut ixs = ix::channels::settle(channel, &c, &model, &self.payees(), args, &sig);
        // A voucher signed by another key than the authorized one: its own Ed25519 check.
        ixs[0] = ix::channels::voucher_signature_ix(channel, &args, &signer.pubkey(), &sig);
        ixs
    }

    /// Settles a voucher of `cumulative` (no expiry) signed by the payer; the harness payer
    /// sends it (settling is permissionless).
    pub async fn settle(&mut self, channel: &Pubkey, cumulative: u64) -> TxResult {
        let p = self.payer.insecure_clone();
        let ixs = self.settle_ixs(channel, cumulative, 0, &p).await;
        self.w.h.send(&ixs, &[]).await
    }

    pub async fn request_close(&mut self, channel: &Pubkey) -> TxResult {
        let c = self.channel(channel).await;
        let p = self.payer.insecure_clone();
        self.w.h.send(&[ix::channels::request_close(channel, &c)], &[&p]).await
    }

    /// `finalize_close` sent by a stranger, the refund to the payer's USDC account.
    pub async fn finalize(&mut self, channel: &Pubkey) -> TxResult {
        let c = self.channel(channel).await;
        let bot = self.w.keypair().await;
        let ix = ix::channels::finalize_close(&bot.pubkey(), channel, &c, &self.payer_usdc, &TOKEN_PROGRAM_ID);
        self.w.h.send(&[ix], &[&bot]).await
    }

    pub async fn balances(&mut self, channel: &Pubkey) -> Balances {
        let vault = pda::channel_vault(channel);
        let (pu, tu, yu) = (self.payer_usdc, self.w.treasury_usdc, self.payee_usdc);
        let (m, [d1, d2]) = (self.model, self.parents);
        Balances {
            payer: self.w.h.balance(&pu).await,
            vault: self.w.h.balance(&vault).await,
            treasury: self.w.h.balance(&tu).await,
            model_split: self.w.vault_balance(&m).await,
            parents: [self.w.vault_balance(&d1).await, self.w.vault_balance(&d2).await],
            payee: self.w.h.balance(&yu).await,
        }
    }

    /// Checks that no base unit was created or lost since `before` (same channel).
    #[track_caller]
    pub fn assert_conserved(before: &Balances, after: &Balances) {
        assert_eq!(before.total(), after.total(), "money adds up: {before:?} -> {after:?}");
    }
}

/// The lineage split of `amount` at the fixture's rates, computed here by hand:
/// (treasury, model split, parents, payee).
pub fn expected_split(amount: u64) -> (u64, u64, [u64; 2], u64) {
    let treasury = amount * u64::from(FEE_BPS) / 10_000;
    let royalty = amount * u64::from(ROYALTY_BPS) / 10_000;
    let parents = PARENT_BPS.map(|bps| royalty * u64::from(bps) / 10_000);
    (
        treasury,
        royalty - parents[0] - parents[1],
        parents,
        amount - treasury - royalty,
    )
}
