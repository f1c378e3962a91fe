//! `resolve_dispute`: the arbiter splits a disputed job (its refusal of a share above 100% and
//! the losing provider's slash are in `dispute_job::dispute_then_a_losing_provider_is_slashed`).

use tessera_client::{escrow::events::JobSettled, ix};
use tessera_program_tests::TestSigner;

use super::*;

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
