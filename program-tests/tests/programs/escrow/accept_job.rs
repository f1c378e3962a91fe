//! `accept_job`: a bonded provider takes an open job (its delivery deadline starts; the
//! delivery itself, `submit_result`, is checked here too on the happy path).

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{JobAccepted, ResultSubmitted},
        state::JobState,
    },
    pda,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

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
