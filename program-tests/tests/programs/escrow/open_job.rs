//! `open_job`: the consumer escrows the fee for a model; the arguments it refuses.

use tessera_client::{
    escrow::{errors::EscrowError, events::JobOpened, state::JobState},
    ix, pda,
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
