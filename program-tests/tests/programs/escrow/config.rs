//! `initialize_config`, `update_config`.

use tessera_client::{
    escrow::{errors::EscrowError, events::EscrowConfigUpdated, state::EscrowConfig},
    ix, pda,
};
use tessera_program_tests::{assert_err, assert_ix_err, world::*, TestSigner, INIT_REFUSED};

#[tokio::test]
async fn upgrade_authority_initialises_and_admin_updates() {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let ix = ix::escrow::initialize_config(&admin.pubkey(), w.escrow_settings(100, 2_000, USDC, 86_400));
    let out = w.h.send(&[ix], &[&admin]).await.unwrap();
    assert_eq!(out.event::<EscrowConfigUpdated>().fee_bps, 100);
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!((c.fee_bps, c.slash_bps, c.min_bond, c.unbonding_delay), (100, 2_000, USDC, 86_400));
    assert_eq!(c.arbiter, w.arbiter.pubkey());

    let ix = ix::escrow::update_config(&admin.pubkey(), w.escrow_settings(250, 5_000, 0, 60));
    w.h.send(&[ix], &[&admin]).await.unwrap();
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!((c.fee_bps, c.slash_bps, c.min_bond, c.unbonding_delay), (250, 5_000, 0, 60));

    let again = ix::escrow::initialize_config(&admin.pubkey(), w.escrow_settings(0, 0, 0, 0));
    assert_ix_err(w.h.send(&[again], &[&admin]).await, INIT_REFUSED);
}

#[tokio::test]
async fn refuses_an_intruder_and_bad_settings() {
    let mut w = World::new(0).await;
    let intruder = w.keypair().await;
    let ix = ix::escrow::initialize_config(&intruder.pubkey(), w.escrow_settings(100, 0, 0, 0));
    assert_err(w.h.send(&[ix], &[&intruder]).await, EscrowError::NotUpgradeAuthority);
    let admin = w.admin.insecure_clone();
    for (s, err) in [
        (w.escrow_settings(1_001, 0, 0, 0), EscrowError::FeeAboveCap),
        (w.escrow_settings(0, 10_001, 0, 0), EscrowError::BpsAboveMax),
        (w.escrow_settings(0, 0, 0, 90 * 86_400 + 1), EscrowError::UnbondingDelayTooLong),
    ] {
        let ix = ix::escrow::initialize_config(&admin.pubkey(), s);
        assert_err(w.h.send(&[ix], &[&admin]).await, err);
    }
    w.init_escrow(0, 0, 0, 0).await;
    let ix = ix::escrow::update_config(&intruder.pubkey(), w.escrow_settings(0, 0, 0, 0));
    assert_err(w.h.send(&[ix], &[&intruder]).await, EscrowError::NotAdmin);
}
