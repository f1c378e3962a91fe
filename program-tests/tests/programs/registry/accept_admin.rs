//! `accept_admin`: the second step of the two-step admin transfer.

use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::AdminChanged, instructions::UpdateConfigArgs, state::Config},
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

#[tokio::test]
async fn the_proposed_admin_takes_over() {
    let mut w = World::new(0).await;
    let next = w.keypair().await;
    let admin = w.admin.insecure_clone();
    w.h.send(
        &[ix::registry::propose_admin(&admin.pubkey(), &next.pubkey())],
        &[&admin],
    )
    .await
    .unwrap();
    let out =
        w.h.send(&[ix::registry::accept_admin(&next.pubkey())], &[&next])
            .await
            .unwrap();
    let c: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (next.pubkey(), None));
    let ev: AdminChanged = out.event();
    assert_eq!((ev.previous, ev.admin), (admin.pubkey(), next.pubkey()));
    // The old admin is out; the new one updates.
    assert_err(
        w.update_config(UpdateConfigArgs {
            fee_bps: Some(1),
            ..Default::default()
        })
        .await,
        RegistryError::NotAdmin,
    );
    let ix = ix::registry::update_config(
        &next.pubkey(),
        UpdateConfigArgs {
            fee_bps: Some(1),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&next]).await.unwrap();
    // The proposal was used up: accepting again is refused.
    assert_err(
        w.h.send(&[ix::registry::accept_admin(&next.pubkey())], &[&next]).await,
        RegistryError::NoPendingAdmin,
    );
}

#[tokio::test]
async fn refuses_without_a_proposal() {
    let mut w = World::new(0).await;
    let someone = w.keypair().await;
    assert_err(
        w.h.send(&[ix::registry::accept_admin(&someone.pubkey())], &[&someone])
            .await,
        RegistryError::NoPendingAdmin,
    );
}

#[tokio::test]
async fn refuses_a_key_that_was_not_proposed() {
    let mut w = World::new(0).await;
    let (next, intruder) = (w.keypair().await, w.keypair().await);
    let admin = w.admin.insecure_clone();
    w.h.send(
        &[ix::registry::propose_admin(&admin.pubkey(), &next.pubkey())],
        &[&admin],
    )
    .await
    .unwrap();
    assert_err(
        w.h.send(&[ix::registry::accept_admin(&intruder.pubkey())], &[&intruder])
            .await,
        RegistryError::NotPendingAdmin,
    );
    let c: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (admin.pubkey(), Some(next.pubkey())));
}
