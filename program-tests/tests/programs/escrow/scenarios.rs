//! The escrow issue's headline cases (fee 2.0 in a 6-decimal mint).

use anchor_lang::error::ErrorCode;
use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{JobOutcome, JobSettled},
    },
    ix, pda,
    registry::{errors::RegistryError, instructions::UpdateAssetArgs},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn case1_happy_path_confirmed_by_the_consumer() {
    let mut f = fixture(100, 0, false).await;
    let rent_before = f.w.h.lamports(&f.consumer.pubkey()).await;
    let job = f.open_with(1, (60, 600, 3_600)).await;
    assert_eq!(f.w.h.balance(&pda::job_vault(&job)).await, FEE);
    let p = f.provider.insecure_clone();
    f.w.h.set_time(T + 10).await;
    f.w.accept(&p, &job).await.unwrap();
    f.w.h.set_time(T + 300).await;
    f.w.deliver(&p, &job).await.unwrap();
    let before = f.provider_balance().await;
    let j = f.w.job(&job).await;
    let s = f.w.settle_accounts(&p.pubkey());
    let c = f.consumer.insecure_clone();
    let out =
        f.w.h
            .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
            .await
            .unwrap();

    assert_eq!(f.provider_balance().await - before, 1_980_000);
    assert_eq!(f.treasury_balance().await, 20_000);
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.outcome, ev.to_provider, ev.to_treasury, ev.to_model_split),
        (JobOutcome::Confirmed, 1_980_000, 20_000, 0)
    );
    // The job and its vault are closed; the consumer got its rents back.
    assert!(f.w.h.account(&job).await.is_none());
    assert!(f.w.h.account(&pda::job_vault(&job)).await.is_none());
    assert_eq!(f.w.h.lamports(&c.pubkey()).await, rent_before);
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.open_jobs, pr.jobs_completed), (0, 1));
    // A second release fails: the job no longer exists.
    let ix = ix::escrow::release_job(&p.pubkey(), &job, &j, &s);
    assert_err(f.w.h.send(&[ix], &[&p]).await, ErrorCode::AccountNotInitialized);
}

#[tokio::test]
async fn case2_nobody_accepts_then_anyone_refunds() {
    let mut f = fixture(100, 0, false).await;
    let job = f.open_with(2, (60, 600, 3_600)).await;
    let j = f.w.job(&job).await;
    let stranger = f.w.keypair().await;
    let refund = ix::escrow::refund_job(&stranger.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    f.w.h.set_time(T + 59).await;
    assert_err(
        f.w.h.send(&[refund.clone()], &[&stranger]).await,
        EscrowError::AcceptWindowOpen,
    );
    let before = f.consumer_balance().await;
    f.w.h.set_time(T + 60).await;
    let out = f.w.h.send(&[refund], &[&stranger]).await.unwrap();
    assert_eq!(f.consumer_balance().await - before, 2_000_000);
    assert_eq!(out.event::<JobSettled>().outcome, JobOutcome::RefundedUnaccepted);
    assert!(f.w.h.account(&job).await.is_none());
    let p = f.provider.insecure_clone();
    assert_err(f.w.accept(&p, &job).await, ErrorCode::AccountNotInitialized);
}

#[tokio::test]
async fn case3_optimistic_release_and_immediate_confirmation() {
    let mut f = fixture(100, 0, false).await;
    f.w.h.set_time(T + 300).await;
    let job = f.delivered(3, (600, 600, 3_600)).await;
    let j = f.w.job(&job).await;
    assert_eq!(j.challenge_deadline, T + 3_900);
    let s = f.w.settle_accounts(&f.provider.pubkey());
    let bot = f.w.keypair().await;
    let release = ix::escrow::release_job(&bot.pubkey(), &job, &j, &s);
    f.w.h.set_time(T + 3_899).await;
    assert_err(
        f.w.h.send(&[release.clone()], &[&bot]).await,
        EscrowError::ChallengeWindowOpen,
    );
    f.w.h.set_time(T + 3_900).await;
    let out = f.w.h.send(&[release], &[&bot]).await.unwrap();
    assert_eq!(out.event::<JobSettled>().outcome, JobOutcome::Released);

    // Another job delivered at T+300: the consumer confirms at T+400 and it releases at once.
    f.w.h.set_time(T + 300).await;
    let job = f.delivered(4, (600, 600, 3_600)).await;
    let j = f.w.job(&job).await;
    f.w.h.set_time(T + 400).await;
    let before = f.provider_balance().await;
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
        .await
        .unwrap();
    assert_eq!(f.provider_balance().await - before, 1_980_000);
}

#[tokio::test]
async fn case4_the_models_split_receives_its_royalty_share() {
    let mut f = fixture(100, 1_500, false).await;
    let job = f.delivered(5, WINDOWS).await;
    let j = f.w.job(&job).await;
    assert_eq!(
        (j.fee_bps, j.royalty_bps, j.model_split),
        (100, 1_500, pda::split(&f.model))
    );
    let s = f.w.settle_accounts(&f.provider.pubkey());
    let before = f.provider_balance().await;
    let c = f.consumer.insecure_clone();
    let out =
        f.w.h
            .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
            .await
            .unwrap();
    let ev: JobSettled = out.event();
    assert_eq!(
        (ev.to_treasury, ev.to_model_split, ev.to_provider),
        (20_000, 300_000, 1_680_000)
    );
    assert_eq!(ev.to_treasury + ev.to_model_split + ev.to_provider, FEE);
    assert_eq!(f.provider_balance().await - before, 1_680_000);
    let m = f.model;
    assert_eq!(f.w.vault_balance(&m).await, 300_000);
    // The model's recipients claim it.
    let publisher = f.model_publisher.insecure_clone();
    let (res, dest) = f.w.claim(&publisher, &m).await;
    res.unwrap();
    assert_eq!(f.w.h.balance(&dest).await, 300_000);
}

#[tokio::test]
async fn case5_refusals() {
    let mut f = fixture(100, 0, false).await;
    let job = f.open(6).await;

    // Accept by a provider not registered for the model.
    let (_, other_model) = f.w.listed(91, USDC, 0).await;
    let (stranger, _) = f.w.provider(&[other_model], BOND).await;
    assert_err(
        f.w.accept(&stranger, &job).await,
        EscrowError::ProviderDoesNotServeModel,
    );

    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    // Withdrawing a bond with open jobs.
    f.w.h
        .send(&[ix::escrow::request_unbond(&p.pubkey(), BOND)], &[&p])
        .await
        .unwrap();
    f.w.h.set_time(T + 86_400).await;
    let pu = f.provider_usdc;
    let withdraw = ix::escrow::withdraw_bond(&p.pubkey(), &pu, &f.w.usdc, &TOKEN_PROGRAM_ID);
    assert_err(f.w.h.send(&[withdraw], &[&p]).await, EscrowError::ProviderHasOpenJobs);
    f.w.h.set_time(T).await;

    // Submit by anyone but the accepted provider (another registered provider of the model).
    let m = f.model;
    let (rival, _) = f.w.provider(&[m], BOND).await;
    assert_err(f.w.deliver(&rival, &job).await, EscrowError::NotJobProvider);
    // A zero result commitment.
    let zero = ix::escrow::submit_result(&p.pubkey(), &job, [0; 32]);
    assert_err(f.w.h.send(&[zero], &[&p]).await, EscrowError::ZeroResultCommitment);
    f.w.deliver(&p, &job).await.unwrap();

    // Release while disputed.
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
        .await
        .unwrap();
    let j = f.w.job(&job).await;
    let s = f.w.settle_accounts(&p.pubkey());
    f.w.h.set_time(T + 10_000).await;
    let release = ix::escrow::release_job(&p.pubkey(), &job, &j, &s);
    assert_err(f.w.h.send(&[release], &[&p]).await, EscrowError::InvalidJobState);
    // Resolve by anyone but the arbiter, then by the arbiter, then a second time.
    let cu = f.consumer_usdc;
    let by_consumer = ix::escrow::resolve_dispute(&c.pubkey(), &job, &j, &s, &cu, 0);
    assert_err(f.w.h.send(&[by_consumer], &[&c]).await, EscrowError::NotArbiter);
    let arbiter = f.w.arbiter.insecure_clone();
    let resolve = ix::escrow::resolve_dispute(&arbiter.pubkey(), &job, &j, &s, &cu, 6_000);
    f.w.h.send(&[resolve.clone()], &[&arbiter]).await.unwrap();
    assert_err(
        f.w.h.send(&[resolve], &[&arbiter]).await,
        ErrorCode::AccountNotInitialized,
    );

    // A dispute after the window.
    f.w.h.set_time(T).await;
    let job = f.delivered(7, WINDOWS).await;
    f.w.h.set_time(T + 3_600).await;
    assert_err(
        f.w.h.send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c]).await,
        EscrowError::ChallengeWindowClosed,
    );
}

#[tokio::test]
async fn case5_opening_a_gated_model_requires_valid_access() {
    let mut f = fixture(100, 0, true).await;
    let (c, cu, m) = (f.consumer.insecure_clone(), f.consumer_usdc, f.model);
    // No access proof at all.
    let args = World::open_job_args(8, FEE, None, WINDOWS);
    let ix = f.w.open_job_ix(&c.pubkey(), &cu, &m, false, args.clone());
    assert_err(f.w.h.send(&[ix], &[&c]).await, EscrowError::AccessProofMissing);
    // No pass.
    f.w.h.ata(&c.pubkey(), &pda::access_mint(&m), &TOKEN_PROGRAM_ID).await;
    let ix = f.w.open_job_ix(&c.pubkey(), &cu, &m, true, args.clone());
    assert_err(f.w.h.send(&[ix], &[&c]).await, ErrorCode::AccountNotInitialized);
    // An expired pass (3,600 s per token).
    f.w.buy(&c, &cu, &m, 1, USDC).await.unwrap();
    f.w.h.set_time(T + 3_600).await;
    let ix = f.w.open_job_ix(&c.pubkey(), &cu, &m, true, args.clone());
    assert_err(f.w.h.send(&[ix], &[&c]).await, RegistryError::PassExpired);
    // Someone else's valid pass.
    let (friend, friend_usdc) = f.w.buyer(10 * USDC).await;
    f.w.buy(&friend, &friend_usdc, &m, 1, USDC).await.unwrap();
    let mut ix = f.w.open_job_ix(&c.pubkey(), &cu, &m, true, args.clone());
    tessera_program_tests::substitute(&mut ix, &pda::pass(&m, &c.pubkey()), &pda::pass(&m, &friend.pubkey()));
    assert_err(f.w.h.send(&[ix], &[&c]).await, EscrowError::PassMismatch);
    // A renewed pass: the job opens; the consumer paid FEE into escrow.
    f.w.buy(&c, &cu, &m, 1, USDC).await.unwrap();
    let before = f.consumer_balance().await;
    f.w.open_job(&c, &cu, &m, args).await.expect("valid access");
    assert_eq!(before - f.consumer_balance().await, FEE);
    // Ungating the model lets anyone open without a pass.
    let mp = f.model_publisher.insecure_clone();
    let ix = ix::registry::update_asset(
        &mp.pubkey(),
        &m,
        UpdateAssetArgs {
            inference_gated: Some(false),
            ..Default::default()
        },
    );
    f.w.h.send(&[ix], &[&mp]).await.unwrap();
    let (other, other_usdc) = f.w.buyer(10 * USDC).await;
    f.w.open_job(&other, &other_usdc, &m, World::open_job_args(9, FEE, None, WINDOWS))
        .await
        .expect("ungated");
}
