//! `initialize_config`: only the program's upgrade authority creates the config, once, with
//! valid settings.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelsConfigUpdated, state::ChannelsConfig},
    ix, pda,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn the_upgrade_authority_creates_the_config_once() {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let stranger = w.keypair().await;
    let mut args = config_args(&w);
    let ix = ix::channels::initialize_config(&stranger.pubkey(), args.clone());
    assert_err(w.h.send(&[ix], &[&stranger]).await, ChannelsError::NotUpgradeAuthority);
    for (fee, min, max, err) in [
        (1_001, MIN_GRACE, MAX_GRACE, ChannelsError::FeeAboveCap),
        (FEE_BPS, 0, MAX_GRACE, ChannelsError::InvalidGraceBounds),
        (FEE_BPS, 100, 99, ChannelsError::InvalidGraceBounds),
        (FEE_BPS, MIN_GRACE, 30 * 86_400 + 1, ChannelsError::InvalidGraceBounds),
    ] {
        let bad = tessera_client::channels::instructions::InitializeConfigArgs {
            fee_bps: fee,
            min_close_grace: min,
            max_close_grace: max,
            ..args.clone()
        };
        let ix = ix::channels::initialize_config(&admin.pubkey(), bad);
        assert_err(w.h.send(&[ix], &[&admin]).await, err);
    }
    args.max_close_grace = 30 * 86_400;
    let ix = ix::channels::initialize_config(&admin.pubkey(), args.clone());
    let out = w.h.send(&[ix], &[&admin]).await.expect("initialize_config");
    let ev: ChannelsConfigUpdated = out.event();
    assert_eq!(
        (
            ev.admin,
            ev.treasury,
            ev.fee_bps,
            ev.min_close_grace,
            ev.max_close_grace,
            ev.paused
        ),
        (
            admin.pubkey(),
            w.treasury.pubkey(),
            FEE_BPS,
            MIN_GRACE,
            30 * 86_400,
            false
        )
    );
    let c: ChannelsConfig = w.h.fetch(&pda::channels_config()).await.unwrap();
    assert_eq!(
        (c.admin, c.pending_admin, c.treasury),
        (admin.pubkey(), None, w.treasury.pubkey())
    );
    // A second initialisation is refused.
    let ix = ix::channels::initialize_config(&admin.pubkey(), args);
    assert_err(
        w.h.send(&[ix], &[&admin]).await,
        anchor_lang::error::ErrorCode::AccountNotSystemOwned,
    );
}
