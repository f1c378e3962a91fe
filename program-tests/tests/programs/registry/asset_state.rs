//! `delist_asset`, `relist_asset`, `retire_asset`.

use tessera_client::{
    ix,
    registry::{errors::RegistryError, events::AssetStateChanged, state::AssetState},
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

#[tokio::test]
async fn delist_relist_retire_with_events() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let out =
        w.h.send(&[ix::registry::delist_asset(&p.pubkey(), &asset)], &[&p])
            .await
            .unwrap();
    assert_eq!(w.asset(&asset).await.state, AssetState::Delisted);
    let ev: AssetStateChanged = out.event();
    assert_eq!((ev.from, ev.to), (AssetState::Listed, AssetState::Delisted));

    let out =
        w.h.send(&[ix::registry::relist_asset(&p.pubkey(), &asset)], &[&p])
            .await
            .unwrap();
    assert_eq!(w.asset(&asset).await.state, AssetState::Listed);
    assert_eq!(out.event::<AssetStateChanged>().to, AssetState::Listed);

    let out =
        w.h.send(&[ix::registry::retire_asset(&p.pubkey(), &asset)], &[&p])
            .await
            .unwrap();
    assert_eq!(w.asset(&asset).await.state, AssetState::Retired);
    assert_eq!(out.event::<AssetStateChanged>().from, AssetState::Listed);
}

#[tokio::test]
async fn refuses_invalid_transitions() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let pk = p.pubkey();
    assert_err(
        w.h.send(&[ix::registry::relist_asset(&pk, &asset)], &[&p]).await,
        RegistryError::InvalidStateTransition,
    );
    w.h.send(&[ix::registry::delist_asset(&pk, &asset)], &[&p])
        .await
        .unwrap();
    assert_err(
        w.h.send(&[ix::registry::delist_asset(&pk, &asset)], &[&p]).await,
        RegistryError::InvalidStateTransition,
    );
    w.h.send(&[ix::registry::retire_asset(&pk, &asset)], &[&p])
        .await
        .expect("a delisted asset can retire");
    for ix in [
        ix::registry::relist_asset(&pk, &asset),
        ix::registry::delist_asset(&pk, &asset),
        ix::registry::retire_asset(&pk, &asset),
    ] {
        assert_err(w.h.send(&[ix], &[&p]).await, RegistryError::InvalidStateTransition);
    }
}

#[tokio::test]
async fn refuses_a_non_publisher() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let x = w.keypair().await;
    for ix in [
        ix::registry::delist_asset(&x.pubkey(), &asset),
        ix::registry::retire_asset(&x.pubkey(), &asset),
    ] {
        assert_err(w.h.send(&[ix], &[&x]).await, RegistryError::NotPublisher);
    }
    assert_eq!(w.asset(&asset).await.state, AssetState::Listed);
}
