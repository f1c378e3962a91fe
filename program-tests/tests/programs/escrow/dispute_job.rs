//! `dispute_job`: the consumer disputes a delivered job (the test goes on through the arbiter's
//! `resolve_dispute` against the provider).

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{JobDisputed, JobOutcome, JobSettled},
        state::JobState,
    },
    ix,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

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
