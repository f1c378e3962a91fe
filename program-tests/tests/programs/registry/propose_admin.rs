//! `propose_admin`: the first step of the two-step admin transfer.

use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::AdminProposed, instructions::UpdateConfigArgs, state::Config},
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

#[tokio::test]
async fn the_admin_proposes_and_stays_admin_until_acceptance() {
    let mut w = World::new(0).await;
    let next = w.keypair().await;
    let admin = w.admin.insecure_clone();
    let out =
        w.h.send(
            &[ix::registry::propose_admin(&admin.pubkey(), &next.pubkey())],
            &[&admin],
        )
        .await
        .unwrap();
    let c: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (admin.pubkey(), Some(next.pubkey())));
    let ev: AdminProposed = out.event();
    assert_eq!((ev.admin, ev.pending_admin), (admin.pubkey(), next.pubkey()));
    // Until it accepts, the proposed key has no power and the admin keeps it.
    let ix = ix::registry::update_config(
        &next.pubkey(),
        UpdateConfigArgs {
            fee_bps: Some(1),
            ..Default::default()
        },
    );
    assert_err(w.h.send(&[ix], &[&next]).await, RegistryError::NotAdmin);
    w.update_config(UpdateConfigArgs {
        fee_bps: Some(2),
        ..Default::default()
    })
    .await
    .expect("still the admin");
}

#[tokio::test]
async fn a_new_proposal_replaces_the_previous_one() {
    let mut w = World::new(0).await;
    let (wrong, right) = (w.keypair().await, w.keypair().await);
    let admin = w.admin.insecure_clone();
    w.h.send(
        &[ix::registry::propose_admin(&admin.pubkey(), &wrong.pubkey())],
        &[&admin],
    )
    .await
    .unwrap();
    w.h.send(
        &[ix::registry::propose_admin(&admin.pubkey(), &right.pubkey())],
        &[&admin],
    )
    .await
    .unwrap();
    assert_err(
        w.h.send(&[ix::registry::accept_admin(&wrong.pubkey())], &[&wrong])
            .await,
        RegistryError::NotPendingAdmin,
    );
    w.h.send(&[ix::registry::accept_admin(&right.pubkey())], &[&right])
        .await
        .expect("the latest proposal");
}

#[tokio::test]
async fn refuses_a_non_admin() {
    let mut w = World::new(0).await;
    let intruder = w.keypair().await;
    let ix = ix::registry::propose_admin(&intruder.pubkey(), &intruder.pubkey());
    assert_err(w.h.send(&[ix], &[&intruder]).await, RegistryError::NotAdmin);
    let c: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!(c.pending_admin, None);
}
