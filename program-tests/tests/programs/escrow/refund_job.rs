//! `refund_job`: anyone refunds a job nobody delivered in time; the provider's bond is slashed.

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{JobOutcome, JobSettled},
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn a_missed_deadline_refunds_in_full_and_slashes_the_bond() {
    let mut f = fixture(100, 0, false).await;
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    let j = f.w.job(&job).await;
    let stranger = f.w.keypair().await;
    let refund = ix::escrow::refund_job(&stranger.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    f.w.h.set_time(T + 599).await;
    assert_err(
        f.w.h.send(&[refund.clone()], &[&stranger]).await,
        EscrowError::DeliveryDeadlineNotPassed,
    );
    f.w.h.set_time(T + 600).await;
    let before = f.consumer_balance().await;
    let out = f.w.h.send(&[refund], &[&stranger]).await.unwrap();
    let slash = BOND * u64::from(SLASH_BPS) / 10_000;
    assert_eq!(f.consumer_balance().await - before, FEE + slash);
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.outcome, ev.to_consumer, ev.slashed),
        (JobOutcome::RefundedUndelivered, FEE, slash)
    );
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.bond, pr.open_jobs, pr.jobs_refunded), (BOND - slash, 0, 1));
    assert_eq!(f.w.h.balance(&pr.bond_vault).await, BOND - slash);
    assert!(f.w.h.account(&job).await.is_none());
}

#[tokio::test]
async fn refund_refuses_delivered_jobs_and_a_wrong_provider() {
    let mut f = fixture(0, 0, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    f.w.h.set_time(T + 100_000).await;
    let stranger = f.w.keypair().await;
    let refund = ix::escrow::refund_job(&stranger.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    assert_err(f.w.h.send(&[refund], &[&stranger]).await, EscrowError::InvalidJobState);

    f.w.h.set_time(T).await;
    let m = f.model;
    let (other, _) = f.w.provider(&[m], BOND).await;
    let job = f.open(2).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    let j = f.w.job(&job).await;
    f.w.h.set_time(T + 600).await;
    // Another provider's bond in place of the one that accepted.
    let mut refund = ix::escrow::refund_job(&stranger.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    tessera_program_tests::substitute(
        &mut refund,
        &pda::provider(&p.pubkey()),
        &pda::provider(&other.pubkey()),
    );
    tessera_program_tests::substitute(
        &mut refund,
        &pda::bond_vault(&pda::provider(&p.pubkey())),
        &pda::bond_vault(&pda::provider(&other.pubkey())),
    );
    assert_err(f.w.h.send(&[refund], &[&stranger]).await, EscrowError::NotJobProvider);
}
