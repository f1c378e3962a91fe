//! Issue 14, item 2: every account the escrow creates is created whatever lamports already
//! sit at its address. Each test first sends lamports to the address with a real system
//! transfer from a stranger. Before the fix Anchor's `init` used `CreateAccountAllowPrefund`,
//! which this runtime (Agave 3.1) refuses: every one of these creations failed with
//! `InvalidInstructionData`, for good.

use tessera_client::{
    escrow::{
        instructions::RegisterProviderArgs,
        state::{EscrowConfig, Job, JobState, ModelProviders, Provider},
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{world::*, TestSigner};

use super::*;

/// The least a system account may hold (the rent exemption of 0 bytes, about 0.0009 SOL), less
/// than the rent of any of these accounts: the creation tops it up.
const DUST: u64 = 890_880;
/// More than the rent of any of these accounts: the creation adds nothing.
const PLENTY: u64 = 10_000_000;

#[tokio::test]
async fn the_config_is_created_at_a_prefunded_address() {
    let mut w = World::new(0).await;
    prefund(&mut w, &pda::escrow_config(), DUST).await;
    w.init_escrow(100, 2_000, USDC, 86_400).await;
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.expect("config");
    assert_eq!((c.admin, c.fee_bps), (w.admin.pubkey(), 100));
    let acc = w.h.account(&pda::escrow_config()).await.unwrap();
    let rent =
        w.h.ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(acc.data.len());
    assert_eq!(acc.lamports, rent, "topped up to the rent, no more");
}

#[tokio::test]
async fn a_provider_is_created_at_a_prefunded_address() {
    let mut w = World::new(0).await;
    w.init_escrow(0, 0, 0, 0).await;
    let (a, _) = w.buyer(0).await;
    let provider = pda::provider(&a.pubkey());
    prefund(&mut w, &provider, PLENTY).await;
    let ix = ix::escrow::register_provider(
        &a.pubkey(),
        &w.usdc,
        &TOKEN_PROGRAM_ID,
        RegisterProviderArgs {
            endpoint: "https://gpu.example".into(),
            models: vec![],
        },
    );
    w.h.send(&[ix], &[&a])
        .await
        .expect("register at a prefunded provider address");
    let p: Provider = w.h.fetch(&provider).await.expect("provider");
    assert_eq!((p.authority, p.bond_vault), (a.pubkey(), pda::bond_vault(&provider)));
    assert_eq!(
        w.h.lamports(&provider).await,
        PLENTY,
        "the stranger's lamports stay as rent"
    );
}

#[tokio::test]
async fn a_bond_vault_is_created_at_a_prefunded_address() {
    let mut w = World::new(0).await;
    w.init_escrow(0, 0, 0, 0).await;
    let (a, usdc) = w.buyer(3 * USDC).await;
    let vault = pda::bond_vault(&pda::provider(&a.pubkey()));
    prefund(&mut w, &vault, DUST).await;
    let ix = ix::escrow::register_provider(
        &a.pubkey(),
        &w.usdc,
        &TOKEN_PROGRAM_ID,
        RegisterProviderArgs {
            endpoint: "https://gpu.example".into(),
            models: vec![],
        },
    );
    w.h.send(&[ix], &[&a])
        .await
        .expect("register at a prefunded bond vault address");
    let acc = w.h.account(&vault).await.unwrap();
    assert_eq!(acc.owner, TOKEN_PROGRAM_ID);
    w.h.send(
        &[ix::escrow::bond(
            &a.pubkey(),
            &usdc,
            &w.usdc,
            &TOKEN_PROGRAM_ID,
            3 * USDC,
        )],
        &[&a],
    )
    .await
    .expect("bond");
    assert_eq!(w.h.balance(&vault).await, 3 * USDC);
}

#[tokio::test]
async fn a_job_is_created_at_a_prefunded_address() {
    let mut f = fixture(0, 0, false).await;
    let job = pda::job(&f.consumer.pubkey(), 1);
    prefund(&mut f.w, &job, DUST).await;
    f.open(1).await;
    let j: Job = f.w.h.fetch(&job).await.expect("job");
    assert_eq!((j.state, j.fee), (JobState::Open, FEE));
    assert_eq!(f.w.h.balance(&j.vault).await, FEE);
    // And it settles: the stranger's lamports go back with the rent to the consumer.
    f.w.h.set_time(T + 60).await;
    let bot = f.w.keypair().await;
    let refund = ix::escrow::refund_job(&bot.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    f.w.h.send(&[refund], &[&bot]).await.expect("refund");
    assert!(f.w.h.account(&job).await.is_none());
}

#[tokio::test]
async fn a_job_vault_is_created_at_a_prefunded_address() {
    let mut f = fixture(0, 0, false).await;
    let job = pda::job(&f.consumer.pubkey(), 1);
    let vault = pda::job_vault(&job);
    prefund(&mut f.w, &vault, PLENTY).await;
    f.open(1).await;
    let j: Job = f.w.h.fetch(&job).await.expect("job");
    assert_eq!(j.vault, vault);
    assert_eq!(f.w.h.balance(&vault).await, FEE);
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.expect("accept");
    f.w.deliver(&p, &job).await.expect("deliver");
    let j: Job = f.w.h.fetch(&job).await.expect("job");
    let s = f.w.settle_accounts(&p.pubkey());
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
        .await
        .expect("confirm");
    assert_eq!(f.provider_balance().await, FEE);
}

#[tokio::test]
async fn a_model_allow_list_is_created_at_a_prefunded_address() {
    let mut f = fixture(0, 0, false).await;
    let list = pda::model_providers(&f.model);
    prefund(&mut f.w, &list, DUST).await;
    // A prefunded (system-owned, empty) list address leaves the model open.
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.expect("no list yet");
    let mp = f.model_publisher.insecure_clone();
    let provider = pda::provider(&p.pubkey());
    let ix = ix::escrow::set_model_providers(&mp.pubkey(), &f.model, vec![provider]);
    f.w.h.send(&[ix], &[&mp]).await.expect("set at a prefunded address");
    let l: ModelProviders = f.w.h.fetch(&list).await.expect("list");
    assert_eq!((l.model, l.providers), (f.model, vec![provider]));
}
