//! `confirm_job`: the consumer settles a delivered job; the payees it refuses. (The happy path is
//! `scenarios::case1_happy_path_confirmed_by_the_consumer`.)

use tessera_client::{escrow::errors::EscrowError, ix, pda};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

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
