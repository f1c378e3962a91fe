//! `propose_admin` and `accept_admin`: the admin changes in two steps.

use tessera_client::{
    channels::{
        errors::ChannelsError,
        events::{ChannelsAdminChanged, ChannelsAdminProposed},
        instructions::UpdateConfigArgs,
        state::ChannelsConfig,
    },
    ix, pda,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn the_admin_hands_over_in_two_steps() {
    let mut f = fixture().await;
    let admin = f.w.admin.insecure_clone();
    let next = f.w.keypair().await;
    let stranger = f.w.keypair().await;
    // Nothing proposed: nobody accepts.
    assert_err(
        f.w.h
            .send(&[ix::channels::accept_admin(&next.pubkey())], &[&next])
            .await,
        ChannelsError::NoPendingAdmin,
    );
    // Only the admin proposes.
    let ix = ix::channels::propose_admin(&stranger.pubkey(), &stranger.pubkey());
    assert_err(f.w.h.send(&[ix], &[&stranger]).await, ChannelsError::NotAdmin);
    let out =
        f.w.h
            .send(
                &[ix::channels::propose_admin(&admin.pubkey(), &next.pubkey())],
                &[&admin],
            )
            .await
            .expect("propose_admin");
    let ev: ChannelsAdminProposed = out.event();
    assert_eq!((ev.admin, ev.pending_admin), (admin.pubkey(), next.pubkey()));
    // Only the proposed key accepts; until then the admin is unchanged.
    assert_err(
        f.w.h
            .send(&[ix::channels::accept_admin(&stranger.pubkey())], &[&stranger])
            .await,
        ChannelsError::NotPendingAdmin,
    );
    let out =
        f.w.h
            .send(&[ix::channels::accept_admin(&next.pubkey())], &[&next])
            .await
            .expect("accept_admin");
    let ev: ChannelsAdminChanged = out.event();
    assert_eq!((ev.previous, ev.admin), (admin.pubkey(), next.pubkey()));
    let c: ChannelsConfig = f.w.h.fetch(&pda::channels_config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (next.pubkey(), None));
    // The old admin has no power left; the new one has.
    let args = UpdateConfigArgs {
        fee_bps: Some(0),
        ..Default::default()
    };
    let old = ix::channels::update_config(&admin.pubkey(), args.clone());
    assert_err(f.w.h.send(&[old], &[&admin]).await, ChannelsError::NotAdmin);
    let new = ix::channels::update_config(&next.pubkey(), args);
    f.w.h.send(&[new], &[&next]).await.expect("the new admin updates");
}
