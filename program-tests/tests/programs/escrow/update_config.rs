//! `update_config`: the admin changes the escrow settings that are set (the registry's
//! convention). `only_the_fields_set_change` below; the other tests:
//! `initialize_config::upgrade_authority_initialises_and_admin_updates` (the update),
//! `initialize_config::refuses_an_intruder_and_bad_settings` (not the admin),
//! `governance::the_slash_share_is_capped_at_half_the_bond`,
//! `governance::the_admin_changes_in_two_steps` (the admin is kept),
//! `terms::windows_below_the_configured_minimums_are_refused` and
//! `terms::the_minimum_bond_is_set_per_mint`.

use tessera_client::escrow::{errors::EscrowError, events::EscrowConfigUpdated, instructions::UpdateConfigArgs};
use tessera_client::ix;
use tessera_program_tests::{assert_err, world::*, TestSigner};

/// The registry's convention: a field left unset keeps its value, and the merged settings are
/// validated as a whole (an unset field cannot hide an invalid set one).
#[tokio::test]
async fn only_the_fields_set_change() {
    let mut w = World::new(0).await;
    w.init_escrow(100, 2_000, USDC, 86_400).await;
    let admin = w.admin.insecure_clone();
    let before = w.escrow_config().await;

    let bad = UpdateConfigArgs {
        dispute_window: Some(0),
        ..Default::default()
    };
    let ix = ix::escrow::update_config(&admin.pubkey(), bad);
    assert_err(w.h.send(&[ix], &[&admin]).await, EscrowError::InvalidDisputeWindow);

    let args = UpdateConfigArgs {
        fee_bps: Some(333),
        min_bonds: Some(vec![]),
        ..Default::default()
    };
    let out =
        w.h.send(&[ix::escrow::update_config(&admin.pubkey(), args)], &[&admin])
            .await
            .unwrap();
    let ev: EscrowConfigUpdated = out.event();
    let after = w.escrow_config().await;
    assert_eq!((ev.settings.fee_bps, after.fee_bps), (333, 333));
    assert_eq!(after.min_bond(&w.usdc), None);
    assert_eq!(
        (after.treasury, after.arbiter, after.slash_bps, after.unbonding_delay),
        (
            before.treasury,
            before.arbiter,
            before.slash_bps,
            before.unbonding_delay
        )
    );
    assert_eq!(
        (after.dispute_window, after.min_accept_window, after.admin),
        (before.dispute_window, before.min_accept_window, before.admin)
    );
    // Nothing set: nothing changes.
    let ix = ix::escrow::update_config(&admin.pubkey(), UpdateConfigArgs::default());
    w.h.send(&[ix], &[&admin]).await.unwrap();
    assert_eq!(w.escrow_config().await.settings(), after.settings());
}
