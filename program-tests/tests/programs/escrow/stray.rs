//! Issue 14, item 1: tokens sent straight to a vault never block an instruction. Surplus in a
//! job vault goes to the consumer when the job settles (reported as `JobSettled.surplus`);
//! surplus in a bond vault belongs to the provider's bond (`sync_bond`).
//!
//! Before the fix every settlement and refund of a job whose vault held one stray unit failed
//! closing a non-empty vault (SPL Token `NonNativeHasBalance`), for good, and an accepted job
//! kept `provider.open_jobs` above zero, freezing the provider's bond.

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{BondChangeReason, BondChanged, JobOutcome, JobSettled},
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn stray_tokens_do_not_block_a_confirmation_and_go_to_the_consumer() {
    let mut f = fixture(100, 0, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    f.stray(&j.vault, 1).await;
    assert_eq!(f.w.h.balance(&j.vault).await, FEE + 1);
    let (c_before, p_before) = (f.consumer_balance().await, f.provider_balance().await);
    let s = f.w.settle_accounts(&f.provider.pubkey());
    let c = f.consumer.insecure_clone();
    let out =
        f.w.h
            .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
            .await
            .expect("confirm with a stray unit");
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.to_treasury, ev.to_provider, ev.to_consumer, ev.surplus),
        (20_000, 1_980_000, 0, 1)
    );
    assert_eq!(f.provider_balance().await - p_before, 1_980_000);
    assert_eq!(f.consumer_balance().await - c_before, 1);
    assert_eq!(f.treasury_balance().await, 20_000);
    assert!(f.w.h.account(&j.vault).await.is_none(), "the vault is closed");
    assert_eq!(f.w.provider_account(&f.provider.pubkey()).await.open_jobs, 0);
}

#[tokio::test]
async fn stray_tokens_do_not_block_a_refund_nor_freeze_the_bond() {
    let mut f = fixture(100, 0, false).await;
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    let j = f.w.job(&job).await;
    f.stray(&j.vault, 5).await;
    f.w.h.set_time(T + 600).await;
    let stranger = f.w.keypair().await;
    let before = f.consumer_balance().await;
    let refund = ix::escrow::refund_job(&stranger.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    let out =
        f.w.h
            .send(&[refund], &[&stranger])
            .await
            .expect("refund with stray tokens");
    let slash = BOND * u64::from(SLASH_BPS) / 10_000;
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.outcome, ev.to_consumer, ev.slashed, ev.surplus),
        (JobOutcome::RefundedUndelivered, FEE, slash, 5)
    );
    assert_eq!(f.consumer_balance().await - before, FEE + 5 + slash);
    assert!(f.w.h.account(&j.vault).await.is_none());
    // The provider has no open job: its bond can be withdrawn after the delay.
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.open_jobs, pr.bond), (0, BOND - slash));
    f.w.h
        .send(&[ix::escrow::request_unbond(&p.pubkey(), BOND - slash)], &[&p])
        .await
        .unwrap();
    f.w.h.set_time(T + 600 + 86_400).await;
    let pu = f.provider_usdc;
    let withdraw = ix::escrow::withdraw_bond(&p.pubkey(), &pu, &f.w.usdc, &TOKEN_PROGRAM_ID);
    f.w.h.send(&[withdraw], &[&p]).await.expect("withdraw");
    assert_eq!(f.provider_balance().await, BOND - slash);
}

#[tokio::test]
async fn stray_tokens_do_not_block_a_release_a_resolution_or_an_unaccepted_refund() {
    let mut f = fixture(100, 1_000, false).await;
    let p = f.provider.insecure_clone();
    let s = f.w.settle_accounts(&p.pubkey());
    let bot = f.w.keypair().await;
    // Release after the challenge window.
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    f.stray(&j.vault, 3).await;
    f.w.h.set_time(T + 3_600).await;
    let before = f.consumer_balance().await;
    let out =
        f.w.h
            .send(&[ix::escrow::release_job(&bot.pubkey(), &job, &j, &s)], &[&bot])
            .await
            .expect("release");
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.to_treasury, ev.to_model_split, ev.to_provider, ev.surplus),
        (20_000, 200_000, 1_780_000, 3)
    );
    assert_eq!(f.consumer_balance().await - before, 3);

    // A resolution (30% to the provider): the consumer's 70%, the slash and the surplus.
    f.w.h.set_time(T).await;
    let job = f.delivered(2, WINDOWS).await;
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
        .await
        .unwrap();
    let j = f.w.job(&job).await;
    f.stray(&j.vault, 4).await;
    let arbiter = f.w.arbiter.insecure_clone();
    let cu = f.consumer_usdc;
    let before = f.consumer_balance().await;
    let out =
        f.w.h
            .send(
                &[ix::escrow::resolve_dispute(&arbiter.pubkey(), &job, &j, &s, &cu, 3_000)],
                &[&arbiter],
            )
            .await
            .expect("resolve");
    let ev: JobSettled = out.event();
    let slash = BOND * u64::from(SLASH_BPS) / 10_000;
    assert_eq!((ev.to_consumer, ev.slashed, ev.surplus), (1_400_000, slash, 4));
    assert_eq!(f.consumer_balance().await - before, 1_400_000 + slash + 4);

    // A refund of a job nobody accepted.
    let job = f.open(3).await;
    let j = f.w.job(&job).await;
    f.stray(&j.vault, 6).await;
    f.w.h.set_time(T + 60).await;
    let before = f.consumer_balance().await;
    let refund = ix::escrow::refund_job(&bot.pubkey(), &job, &j, &cu, &TOKEN_PROGRAM_ID);
    let out = f.w.h.send(&[refund], &[&bot]).await.expect("refund");
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.outcome, ev.to_consumer, ev.surplus),
        (JobOutcome::RefundedUnaccepted, FEE, 6)
    );
    assert_eq!(f.consumer_balance().await - before, FEE + 6);
    assert_eq!(f.w.provider_account(&p.pubkey()).await.open_jobs, 0);
}

#[tokio::test]
async fn sync_bond_credits_stray_tokens_to_the_providers_bond() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let provider = pda::provider(&p.pubkey());
    let vault = pda::bond_vault(&provider);
    f.stray(&vault, 7).await;
    // Nothing breaks before the sync: the recorded bond is what counts.
    assert_eq!(f.w.provider_account(&p.pubkey()).await.bond, BOND);
    let job = f.open(1).await;
    f.w.accept(&p, &job)
        .await
        .expect("accept with a stray unit in the bond vault");
    // Anyone syncs (here the harness payer, a stranger to the provider).
    let sync = ix::escrow::sync_bond(&provider);
    let out = f.w.h.send(&[sync.clone()], &[]).await.expect("sync_bond");
    let ev: BondChanged = out.event();
    assert_eq!(
        (ev.provider, ev.delta, ev.bond, ev.reason),
        (provider, 7, BOND + 7, BondChangeReason::Sync)
    );
    assert_eq!(f.w.provider_account(&p.pubkey()).await.bond, BOND + 7);
    assert_eq!(f.w.h.balance(&vault).await, BOND + 7);
    // Nothing left to credit: no event, no change.
    let out = f.w.h.send(&[sync], &[]).await.expect("second sync");
    assert!(out.events::<BondChanged>().is_empty());
    assert_eq!(f.w.provider_account(&p.pubkey()).await.bond, BOND + 7);
    // Another provider's vault is refused.
    let (other, _) = f.w.provider(&[f.model], BOND).await;
    let mut ix = ix::escrow::sync_bond(&provider);
    tessera_program_tests::substitute(&mut ix, &vault, &pda::bond_vault(&pda::provider(&other.pubkey())));
    assert_err(f.w.h.send(&[ix], &[]).await, EscrowError::BondVaultMismatch);
}
