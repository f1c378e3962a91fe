//! `initialize_config` (the program's upgrade authority), then `update_config` (the admin).

use anchor_lang::error::ErrorCode;
use tessera_client::{
    escrow::{errors::EscrowError, events::EscrowConfigUpdated, state::EscrowConfig},
    ix, pda,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

#[tokio::test]
async fn upgrade_authority_initialises_and_admin_updates() {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let ix = w.escrow_init_ix(w.escrow_settings(100, 2_000, USDC, 86_400));
    let out = w.h.send(&[ix], &[&admin]).await.unwrap();
    let ev: EscrowConfigUpdated = out.event();
    assert_eq!((ev.admin, ev.settings.fee_bps), (admin.pubkey(), 100));
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!(
        (c.fee_bps, c.slash_bps, c.min_bond(&w.usdc), c.unbonding_delay),
        (100, 2_000, Some(USDC), 86_400)
    );
    assert_eq!(
        (c.arbiter, c.admin, c.pending_admin),
        (w.arbiter.pubkey(), admin.pubkey(), None)
    );
    assert_eq!(
        (c.max_slash_fee_multiple, c.dispute_window),
        (MAX_SLASH_FEE_MULTIPLE, DISPUTE_WINDOW)
    );

    let ix = ix::escrow::update_config(&admin.pubkey(), w.escrow_settings(250, 5_000, 0, 60));
    w.h.send(&[ix], &[&admin]).await.unwrap();
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!(
        (c.fee_bps, c.slash_bps, c.min_bond(&w.usdc), c.unbonding_delay),
        (250, 5_000, Some(0), 60)
    );

    // An existing config is not created again (the prefund-safe creation refuses an address
    // that is not a system account).
    let again = w.escrow_init_ix(w.escrow_settings(0, 0, 0, 0));
    assert_err(w.h.send(&[again], &[&admin]).await, ErrorCode::AccountNotSystemOwned);
}

#[tokio::test]
async fn refuses_an_intruder_and_bad_settings() {
    let mut w = World::new(0).await;
    let intruder = w.keypair().await;
    let mut ix = w.escrow_init_ix(w.escrow_settings(100, 0, 0, 0));
    substitute(&mut ix, &w.admin.pubkey(), &intruder.pubkey());
    assert_err(w.h.send(&[ix], &[&intruder]).await, EscrowError::NotUpgradeAuthority);
    let admin = w.admin.insecure_clone();
    for (s, err) in [
        (w.escrow_settings(1_001, 0, 0, 0), EscrowError::FeeAboveCap),
        (
            w.escrow_settings(0, 0, 0, 90 * 86_400 + 1),
            EscrowError::UnbondingDelayTooLong,
        ),
    ] {
        let ix = w.escrow_init_ix(s);
        assert_err(w.h.send(&[ix], &[&admin]).await, err);
    }
    w.init_escrow(0, 0, 0, 0).await;
    let ix = ix::escrow::update_config(&intruder.pubkey(), w.escrow_settings(0, 0, 0, 0));
    assert_err(w.h.send(&[ix], &[&intruder]).await, EscrowError::NotAdmin);
}
