use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::ConfigUpdated, instructions::UpdateConfigArgs, state::Config},
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

#[tokio::test]
async fn admin_updates_every_setting() {
    let mut w = World::new(0).await;
    let new_treasury = w.keypair().await;
    let other_mint = w.h.create_mint(9, &tessera_client::TOKEN_PROGRAM_ID).await;
    let out = w
        .update_config(UpdateConfigArgs {
            treasury: Some(new_treasury.pubkey()),
            fee_bps: Some(300),
            payment_mints: Some(vec![w.usdc, other_mint]),
            paused: Some(true),
        })
        .await
        .unwrap();
    let c: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!(c.treasury, new_treasury.pubkey());
    assert_eq!((c.fee_bps, c.paused), (300, true));
    assert_eq!(c.payment_mints, vec![w.usdc, other_mint]);
    let ev: ConfigUpdated = out.event();
    assert!(ev.paused);
    assert_eq!(ev.fee_bps, 300);
}

#[tokio::test]
async fn refuses_a_non_admin() {
    let mut w = World::new(0).await;
    let intruder = w.keypair().await;
    let ix = ix::registry::update_config(
        &intruder.pubkey(),
        UpdateConfigArgs {
            fee_bps: Some(1_000),
            ..Default::default()
        },
    );
    assert_err(w.h.send(&[ix], &[&intruder]).await, RegistryError::NotAdmin);
}

#[tokio::test]
async fn refuses_a_fee_above_the_cap() {
    let mut w = World::new(0).await;
    let res = w
        .update_config(UpdateConfigArgs {
            fee_bps: Some(1_001),
            ..Default::default()
        })
        .await;
    assert_err(res, RegistryError::FeeAboveCap);
}

#[tokio::test]
async fn a_paused_registry_refuses_publications_and_sales_but_not_claims() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();

    w.update_config(UpdateConfigArgs {
        paused: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        RegistryError::RegistryPaused,
    );
    let args = publish_args(2, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    assert_err(
        w.publish(&publisher, args).await.map(|_| Default::default()),
        RegistryError::RegistryPaused,
    );
    let (res, dest) = w.claim(&publisher, &asset).await;
    res.expect("claims go on while paused");
    assert_eq!(w.h.balance(&dest).await, USDC);

    w.update_config(UpdateConfigArgs {
        paused: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("sales resume");
}
