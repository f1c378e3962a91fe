use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::PassRevoked},
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

#[tokio::test]
async fn publisher_revokes_and_the_pass_never_verifies_again() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    let out =
        w.h.send(
            &[ix::registry::revoke_pass(&p.pubkey(), &asset, &buyer.pubkey(), 42)],
            &[&p],
        )
        .await
        .unwrap();
    let pass = w.pass(&asset, &buyer.pubkey()).await.unwrap();
    assert!(pass.revoked);
    assert_eq!(pass.revoke_reason, 42);
    let ev: PassRevoked = out.event();
    assert_eq!((ev.asset, ev.holder, ev.reason), (asset, buyer.pubkey(), 42));
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
            .await,
        RegistryError::PassRevoked,
    );
}

#[tokio::test]
async fn refuses_a_non_publisher_and_a_second_revocation() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    let x = w.keypair().await;
    assert_err(
        w.h.send(
            &[ix::registry::revoke_pass(&x.pubkey(), &asset, &buyer.pubkey(), 1)],
            &[&x],
        )
        .await,
        RegistryError::NotPublisher,
    );
    w.h.send(
        &[ix::registry::revoke_pass(&p.pubkey(), &asset, &buyer.pubkey(), 1)],
        &[&p],
    )
    .await
    .unwrap();
    assert_err(
        w.h.send(
            &[ix::registry::revoke_pass(&p.pubkey(), &asset, &buyer.pubkey(), 2)],
            &[&p],
        )
        .await,
        RegistryError::PassAlreadyRevoked,
    );
}

#[tokio::test]
async fn refuses_a_pass_of_another_asset() {
    let mut w = World::new(0).await;
    let (p, mine) = w.listed(1, USDC, 0).await;
    let (_, theirs) = w.listed(2, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &theirs, 1, USDC).await.unwrap();
    let mut ix = ix::registry::revoke_pass(&p.pubkey(), &mine, &buyer.pubkey(), 1);
    substitute(
        &mut ix,
        &pda::pass(&mine, &buyer.pubkey()),
        &pda::pass(&theirs, &buyer.pubkey()),
    );
    assert_err(w.h.send(&[ix], &[&p]).await, ErrorCode::ConstraintSeeds);
    assert!(!w.pass(&theirs, &buyer.pubkey()).await.unwrap().revoked);
}
