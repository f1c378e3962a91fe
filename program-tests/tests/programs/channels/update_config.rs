//! `update_config`: the admin changes some settings; the rest stays; the result is validated as
//! a whole.

use tessera_client::{
    channels::{
        errors::ChannelsError, events::ChannelsConfigUpdated, instructions::UpdateConfigArgs, state::ChannelsConfig,
    },
    ix, pda,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn the_admin_updates_the_settings_it_names() {
    let mut f = fixture().await;
    let admin = f.w.admin.insecure_clone();
    let new_treasury = Pubkey::new_unique();
    let ix = ix::channels::update_config(
        &admin.pubkey(),
        UpdateConfigArgs {
            treasury: Some(new_treasury),
            fee_bps: Some(250),
            max_close_grace: Some(86_400),
            ..Default::default()
        },
    );
    let out = f.w.h.send(&[ix], &[&admin]).await.expect("update_config");
    let ev: ChannelsConfigUpdated = out.event();
    assert_eq!(
        (
            ev.treasury,
            ev.fee_bps,
            ev.min_close_grace,
            ev.max_close_grace,
            ev.paused
        ),
        (new_treasury, 250, MIN_GRACE, 86_400, false)
    );
    let c: ChannelsConfig = f.w.h.fetch(&pda::channels_config()).await.unwrap();
    assert_eq!(
        (c.treasury, c.fee_bps, c.min_close_grace, c.max_close_grace, c.admin),
        (new_treasury, 250, MIN_GRACE, 86_400, admin.pubkey())
    );
}

#[tokio::test]
async fn only_the_admin_updates_and_the_merged_settings_must_hold() {
    let mut f = fixture().await;
    let stranger = f.w.keypair().await;
    let ix = ix::channels::update_config(
        &stranger.pubkey(),
        UpdateConfigArgs {
            paused: Some(true),
            ..Default::default()
        },
    );
    assert_err(f.w.h.send(&[ix], &[&stranger]).await, ChannelsError::NotAdmin);
    let admin = f.w.admin.insecure_clone();
    for (args, err) in [
        (
            UpdateConfigArgs {
                fee_bps: Some(1_001),
                ..Default::default()
            },
            ChannelsError::FeeAboveCap,
        ),
        (
            // Below the stored minimum (60 s): invalid once merged.
            UpdateConfigArgs {
                max_close_grace: Some(59),
                ..Default::default()
            },
            ChannelsError::InvalidGraceBounds,
        ),
        (
            UpdateConfigArgs {
                min_close_grace: Some(0),
                ..Default::default()
            },
            ChannelsError::InvalidGraceBounds,
        ),
    ] {
        let ix = ix::channels::update_config(&admin.pubkey(), args);
        assert_err(f.w.h.send(&[ix], &[&admin]).await, err);
    }
    // Both bounds moved together are validated together.
    let ix = ix::channels::update_config(
        &admin.pubkey(),
        UpdateConfigArgs {
            min_close_grace: Some(10),
            max_close_grace: Some(20),
            ..Default::default()
        },
    );
    f.w.h.send(&[ix], &[&admin]).await.expect("both bounds");
}
