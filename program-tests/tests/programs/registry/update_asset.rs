use tessera_client::{
    ix,
    registry::{errors::RegistryError, events::AssetUpdated, instructions::UpdateAssetArgs},
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

#[tokio::test]
async fn publisher_updates_uri_price_duration_and_supply() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 60).await;
    let args = UpdateAssetArgs {
        uri: Some("ipfs://new".into()),
        price: Some(3 * USDC),
        access_duration: Some(120),
        max_supply: Some(10),
        inference_royalty_bps: Some(1_500),
        inference_gated: Some(true),
    };
    let out =
        w.h.send(&[ix::registry::update_asset(&p.pubkey(), &asset, args)], &[&p])
            .await
            .unwrap();
    let a = w.asset(&asset).await;
    assert_eq!(
        (a.uri.as_str(), a.price, a.access_duration, a.max_supply),
        ("ipfs://new", 3 * USDC, 120, 10)
    );
    assert_eq!((a.inference_royalty_bps, a.inference_gated), (1_500, true));
    assert_eq!(a.content_hash, hash(1), "the content hash never changes");
    let ev: AssetUpdated = out.event();
    assert_eq!((ev.price, ev.max_supply), (3 * USDC, 10));
}

#[tokio::test]
async fn refuses_a_non_publisher() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let intruder = w.keypair().await;
    let ix = ix::registry::update_asset(
        &intruder.pubkey(),
        &asset,
        UpdateAssetArgs {
            price: Some(1),
            ..Default::default()
        },
    );
    assert_err(w.h.send(&[ix], &[&intruder]).await, RegistryError::NotPublisher);
    assert_eq!(w.asset(&asset).await.price, USDC);
}

#[tokio::test]
async fn refuses_a_max_supply_below_what_was_sold() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 3, USDC).await.unwrap();
    let up = |n| {
        ix::registry::update_asset(
            &p.pubkey(),
            &asset,
            UpdateAssetArgs {
                max_supply: Some(n),
                ..Default::default()
            },
        )
    };
    assert_err(w.h.send(&[up(2)], &[&p]).await, RegistryError::MaxSupplyBelowSold);
    w.h.send(&[up(3)], &[&p]).await.expect("equal to sold");
    w.h.send(&[up(0)], &[&p]).await.expect("unlimited");
}

#[tokio::test]
async fn refuses_bad_values_and_retired_assets() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let send = |args| ix::registry::update_asset(&p.pubkey(), &asset, args);
    assert_err(
        w.h.send(
            &[send(UpdateAssetArgs {
                uri: Some("x".repeat(201)),
                ..Default::default()
            })],
            &[&p],
        )
        .await,
        RegistryError::UriTooLong,
    );
    assert_err(
        w.h.send(
            &[send(UpdateAssetArgs {
                inference_royalty_bps: Some(5_001),
                ..Default::default()
            })],
            &[&p],
        )
        .await,
        RegistryError::InferenceRoyaltyAboveCap,
    );
    w.h.send(&[ix::registry::retire_asset(&p.pubkey(), &asset)], &[&p])
        .await
        .unwrap();
    assert_err(
        w.h.send(
            &[send(UpdateAssetArgs {
                price: Some(5),
                ..Default::default()
            })],
            &[&p],
        )
        .await,
        RegistryError::AssetRetired,
    );
}
