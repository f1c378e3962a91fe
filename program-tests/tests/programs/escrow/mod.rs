mod accept_admin;
mod accept_job;
mod audit;
mod bond;
mod confirm_job;
mod dispute_job;
mod governance;
mod initialize_config;
mod lineage;
mod open_job;
mod prefund;
mod propose_admin;
mod refund_job;
mod register_provider;
mod release_job;
mod request_unbond;
mod resolve_dispute;
mod scenarios;
mod security;
mod set_model_providers;
mod settle_dispute;
mod stray;
mod submit_result;
mod sync_bond;
mod terms;
mod update_config;
mod update_provider;
mod withdraw_bond;

use tessera_client::Pubkey;
use tessera_program_tests::{world::*, TestKeypair, TestSigner};

pub const T: i64 = 1_700_000_000;
pub const FEE: u64 = 2_000_000; // 2.0 in a 6-decimal mint

/// A registry with a listed model, an escrow config, a bonded provider serving the model and
/// a funded consumer; the clock at `T`.
pub struct Fx {
    pub w: World,
    pub model: Pubkey,
    pub model_publisher: TestKeypair,
    pub provider: TestKeypair,
    pub provider_usdc: Pubkey,
    pub consumer: TestKeypair,
    pub consumer_usdc: Pubkey,
}

pub const BOND: u64 = 10 * USDC;
pub const SLASH_BPS: u16 = 2_000;

pub async fn fixture(fee_bps: u16, royalty_bps: u16, gated: bool) -> Fx {
    let mut w = World::new(0).await;
    w.init_escrow(fee_bps, SLASH_BPS, USDC, 86_400).await;
    let model_publisher = w.keypair().await;
    let mut args = publish_args(90, USDC, 3_600, &[(model_publisher.pubkey(), 10_000)]);
    args.kind = tessera_client::registry::state::AssetKind::Model;
    args.inference_royalty_bps = royalty_bps;
    args.inference_gated = gated;
    let model = w.publish(&model_publisher, args).await.unwrap();
    let (provider, provider_usdc) = w.provider(&[model], BOND).await;
    let (consumer, consumer_usdc) = w.buyer(100 * USDC).await;
    w.h.set_time(T).await;
    Fx {
        w,
        model,
        model_publisher,
        provider,
        provider_usdc,
        consumer,
        consumer_usdc,
    }
}

impl Fx {
    /// Opens job `id` for the model with the default windows and the 2.0 fee.
    pub async fn open(&mut self, id: u64) -> Pubkey {
        self.open_with(id, WINDOWS).await
    }

    pub async fn open_with(&mut self, id: u64, windows: (u32, u32, u32)) -> Pubkey {
        let args = World::open_job_args(id, FEE, None, windows);
        let (c, cu, m) = (self.consumer.insecure_clone(), self.consumer_usdc, self.model);
        self.w.open_job(&c, &cu, &m, args).await.expect("open_job")
    }

    /// Opens, accepts and delivers job `id` (at the current time).
    pub async fn delivered(&mut self, id: u64, windows: (u32, u32, u32)) -> Pubkey {
        let job = self.open_with(id, windows).await;
        let p = self.provider.insecure_clone();
        self.w.accept(&p, &job).await.expect("accept");
        self.w.deliver(&p, &job).await.expect("deliver");
        job
    }

    pub async fn provider_balance(&mut self) -> u64 {
        let a = self.provider_usdc;
        self.w.h.balance(&a).await
    }

    pub async fn consumer_balance(&mut self) -> u64 {
        let a = self.consumer_usdc;
        self.w.h.balance(&a).await
    }

    pub async fn treasury_balance(&mut self) -> u64 {
        let a = self.w.treasury_usdc;
        self.w.h.balance(&a).await
    }

    /// A stranger sends `amount` base units of the USDC-like mint straight to `to` (a plain
    /// SPL transfer from its own account).
    pub async fn stray(&mut self, to: &Pubkey, amount: u64) {
        stray(&mut self.w, to, amount).await
    }
}

/// A stranger sends `amount` base units of the world's USDC-like mint straight to `to`.
pub async fn stray(w: &mut World, to: &Pubkey, amount: u64) {
    use anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked;
    let (stranger, source) = w.buyer(amount).await;
    let ix = transfer_checked(
        &tessera_client::TOKEN_PROGRAM_ID,
        &source,
        &w.usdc,
        to,
        &stranger.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap();
    w.h.send(&[ix], &[&stranger]).await.expect("stray transfer");
}

/// A stranger sends `lamports` to `address` with a plain system transfer (before the program
/// creates an account there).
pub async fn prefund(w: &mut World, address: &Pubkey, lamports: u64) {
    let stranger = w.keypair().await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), address, lamports);
    w.h.send(&[ix], &[&stranger]).await.expect("prefund");
    assert_eq!(w.h.lamports(address).await, lamports);
}
