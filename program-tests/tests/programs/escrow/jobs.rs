//! `open_job`, `accept_job`, `submit_result`, `dispute_job`, `resolve_dispute`, `refund_job`,
//! `confirm_job`, `release_job`: the paths not covered by the scenarios.

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{JobAccepted, JobDisputed, JobOpened, JobOutcome, JobSettled, ResultSubmitted},
        state::JobState,
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn open_records_the_job_and_escrows_the_fee() {
    let mut f = fixture(100, 700, false).await;
    let (c, cu, m) = (f.consumer.insecure_clone(), f.consumer_usdc, f.model);
    let ix = f.w.open_job_ix(
        &c.pubkey(),
        &cu,
        &m,
        false,
        World::open_job_args(1, FEE, None, (60, 600, 3_600)),
    );
    let out = f.w.h.send(&[ix], &[&c]).await.unwrap();
    let job = pda::job(&c.pubkey(), 1);
    let j = f.w.job(&job).await;
    assert_eq!(
        (j.state, j.fee, j.fee_bps, j.royalty_bps),
        (JobState::Open, FEE, 100, 700)
    );
    assert_eq!(
        (j.consumer, j.model, j.accept_deadline, j.input_commitment),
        (c.pubkey(), m, T + 60, [0x11; 32])
    );
    assert_eq!(f.w.h.balance(&j.vault).await, FEE);
    let ev: JobOpened = out.event();
    assert_eq!((ev.job, ev.fee), (job, FEE));
}

#[tokio::test]
async fn open_refuses_bad_arguments() {
    let mut f = fixture(100, 0, false).await;
    let (c, cu, m) = (f.consumer.insecure_clone(), f.consumer_usdc, f.model);
    let mut zero_fee = World::open_job_args(1, 0, None, WINDOWS);
    assert_err(
        f.w.open_job(&c, &cu, &m, zero_fee.clone())
            .await
            .map(|_| Default::default()),
        EscrowError::ZeroAmount,
    );
    zero_fee.fee = FEE;
    zero_fee.input_commitment = [0; 32];
    assert_err(
        f.w.open_job(&c, &cu, &m, zero_fee).await.map(|_| Default::default()),
        EscrowError::ZeroInputCommitment,
    );
    for w in [(0, 1, 1), (1, 0, 1), (1, 1, 0), (30 * 86_400 + 1, 1, 1)] {
        let args = World::open_job_args(2, FEE, None, w);
        assert_err(
            f.w.open_job(&c, &cu, &m, args).await.map(|_| Default::default()),
            EscrowError::InvalidWindow,
        );
    }
    // A dataset is not a model.
    let (_, dataset) = f.w.listed(50, USDC, 0).await;
    let args = World::open_job_args(3, FEE, None, WINDOWS);
    assert_err(
        f.w.open_job(&c, &cu, &dataset, args).await.map(|_| Default::default()),
        EscrowError::NotAModel,
    );
    // A retired model.
    let mp = f.model_publisher.insecure_clone();
    f.w.h
        .send(&[ix::registry::retire_asset(&mp.pubkey(), &m)], &[&mp])
        .await
        .unwrap();
    let args = World::open_job_args(4, FEE, None, WINDOWS);
    assert_err(
        f.w.open_job(&c, &cu, &m, args).await.map(|_| Default::default()),
        EscrowError::ModelNotListed,
    );
}

#[tokio::test]
async fn accept_and_submit_set_the_deadlines() {
    let mut f = fixture(0, 0, false).await;
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.h.set_time(T + 5).await;
    let out = f.w.accept(&p, &job).await.unwrap();
    assert_eq!(out.event::<JobAccepted>().delivery_deadline, T + 5 + 600);
    let j = f.w.job(&job).await;
    assert_eq!((j.state, j.provider), (JobState::Accepted, pda::provider(&p.pubkey())));
    assert_eq!(f.w.provider_account(&p.pubkey()).await.open_jobs, 1);
    assert_err(f.w.accept(&p, &job).await, EscrowError::InvalidJobState);
    f.w.h.set_time(T + 100).await;
    let out = f.w.deliver(&p, &job).await.unwrap();
    assert_eq!(out.event::<ResultSubmitted>().challenge_deadline, T + 100 + 3_600);
    let j = f.w.job(&job).await;
    assert_eq!((j.state, j.result_commitment), (JobState::Delivered, [0x22; 32]));
    assert_err(f.w.deliver(&p, &job).await, EscrowError::InvalidJobState);
}

#[tokio::test]
async fn accept_refuses_late_unrequested_or_underbonded_providers() {
    let mut f = fixture(0, 0, false).await;
    let m = f.model;
    let (c, cu) = (f.consumer.insecure_clone(), f.consumer_usdc);
    let p = f.provider.insecure_clone();
    // Too late.
    let job = f.open(1).await;
    f.w.h.set_time(T + 60).await;
    assert_err(f.w.accept(&p, &job).await, EscrowError::AcceptWindowClosed);
    // Requested another provider.
    let (chosen, _) = f.w.provider(&[m], BOND).await;
    let args = World::open_job_args(2, FEE, Some(pda::provider(&chosen.pubkey())), WINDOWS);
    let job = f.w.open_job(&c, &cu, &m, args).await.unwrap();
    assert_err(f.w.accept(&p, &job).await, EscrowError::NotRequestedProvider);
    f.w.accept(&chosen, &job).await.expect("the chosen provider");
    // Under-bonded.
    let (poor, _) = f.w.provider(&[m], USDC - 1).await;
    let job = f.open(3).await;
    assert_err(f.w.accept(&poor, &job).await, EscrowError::BondBelowMinimum);
}

#[tokio::test]
async fn submit_refuses_after_the_delivery_deadline() {
    let mut f = fixture(0, 0, false).await;
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    f.w.h.set_time(T + 600).await;
    assert_err(f.w.deliver(&p, &job).await, EscrowError::DeliveryDeadlinePassed);
}

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

#[tokio::test]
async fn dispute_then_a_losing_provider_is_slashed() {
    let mut f = fixture(100, 1_000, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let c = f.consumer.insecure_clone();
    let x = f.w.keypair().await;
    assert_err(
        f.w.h.send(&[ix::escrow::dispute_job(&x.pubkey(), &job)], &[&x]).await,
        EscrowError::NotConsumer,
    );
    let out =
        f.w.h
            .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
            .await
            .unwrap();
    assert_eq!(out.event::<JobDisputed>().consumer, c.pubkey());
    assert_eq!(f.w.job(&job).await.state, JobState::Disputed);
    assert_err(
        f.w.h.send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c]).await,
        EscrowError::InvalidJobState,
    );

    let j = f.w.job(&job).await;
    let p = f.provider.insecure_clone();
    let s = f.w.settle_accounts(&p.pubkey());
    let arbiter = f.w.arbiter.insecure_clone();
    let cu = f.consumer_usdc;
    let too_much = ix::escrow::resolve_dispute(&arbiter.pubkey(), &job, &j, &s, &cu, 10_001);
    assert_err(f.w.h.send(&[too_much], &[&arbiter]).await, EscrowError::BpsAboveMax);
    let (c_before, p_before) = (f.consumer_balance().await, f.provider_balance().await);
    let out =
        f.w.h
            .send(
                &[ix::escrow::resolve_dispute(&arbiter.pubkey(), &job, &j, &s, &cu, 3_000)],
                &[&arbiter],
            )
            .await
            .unwrap();
    let ev: JobSettled = out.event();
    // Provider part 600,000: fee 6,000, royalty 60,000, provider 534,000; consumer 1,400,000.
    assert_eq!(
        (ev.to_treasury, ev.to_model_split, ev.to_provider, ev.to_consumer),
        (6_000, 60_000, 534_000, 1_400_000)
    );
    let slash = BOND * u64::from(SLASH_BPS) / 10_000;
    assert_eq!(ev.slashed, slash);
    assert_eq!(
        ev.outcome,
        JobOutcome::Resolved {
            provider_share_bps: 3_000
        }
    );
    assert_eq!(f.consumer_balance().await - c_before, 1_400_000 + slash);
    assert_eq!(f.provider_balance().await - p_before, 534_000);
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!(
        (pr.disputes_lost, pr.jobs_completed, pr.open_jobs, pr.bond),
        (1, 0, 0, BOND - slash)
    );
    assert!(f.w.h.account(&job).await.is_none());
}

#[tokio::test]
async fn a_winning_provider_is_not_slashed() {
    let mut f = fixture(0, 0, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
        .await
        .unwrap();
    let j = f.w.job(&job).await;
    let p = f.provider.insecure_clone();
    let s = f.w.settle_accounts(&p.pubkey());
    let arbiter = f.w.arbiter.insecure_clone();
    let out =
        f.w.h
            .send(
                &[ix::escrow::resolve_dispute(
                    &arbiter.pubkey(),
                    &job,
                    &j,
                    &s,
                    &f.consumer_usdc,
                    5_000,
                )],
                &[&arbiter],
            )
            .await
            .unwrap();
    let ev: JobSettled = out.event();
    assert_eq!((ev.to_provider, ev.to_consumer, ev.slashed), (1_000_000, 1_000_000, 0));
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.disputes_lost, pr.jobs_completed, pr.bond), (0, 1, BOND));
}

#[tokio::test]
async fn settlement_refuses_substituted_payees() {
    let mut f = fixture(100, 0, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    let p = f.provider.insecure_clone();
    let c = f.consumer.insecure_clone();
    // The provider's payout redirected to someone else's account.
    let (_, thief_usdc) = f.w.buyer(0).await;
    let mut s = f.w.settle_accounts(&p.pubkey());
    s.provider_token_account = thief_usdc;
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::WrongTokenAccountOwner,
    );
    // The protocol fee redirected.
    let mut s = f.w.settle_accounts(&p.pubkey());
    s.treasury_token_account = thief_usdc;
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::TreasuryMismatch,
    );
    // Confirmation by someone other than the consumer.
    let s = f.w.settle_accounts(&p.pubkey());
    let mut ix = ix::escrow::confirm_job(&job, &j, &s);
    let x = f.w.keypair().await;
    ix.accounts[0].pubkey = x.pubkey();
    assert_err(f.w.h.send(&[ix], &[&x]).await, EscrowError::NotConsumer);
    // Another split in place of the model's.
    let (_, other) = f.w.listed(60, USDC, 0).await;
    let mut ix = ix::escrow::confirm_job(&job, &j, &s);
    tessera_program_tests::substitute(&mut ix, &pda::split(&f.model), &pda::split(&other));
    assert_err(f.w.h.send(&[ix], &[&c]).await, EscrowError::SplitMismatch);
    assert_eq!(f.w.h.balance(&j.vault).await, FEE, "nothing moved");
}
