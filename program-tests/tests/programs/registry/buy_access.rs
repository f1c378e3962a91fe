use anchor_lang::error::ErrorCode;
use anchor_spl::token_interface::Mint;
use tessera_client::{
    ix, pda,
    registry::{
        errors::RegistryError,
        events::AccessBought,
        instructions::{BuyAccessArgs, UpdateAssetArgs},
    },
    royalties::{errors::RoyaltiesError, events::Deposited},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

#[tokio::test]
async fn mints_tokens_creates_the_pass_and_pays_the_split() {
    let mut w = World::new(100).await;
    let (_, asset) = w.listed(1, 2 * USDC, 3_600).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.h.set_time(1_800_000_000).await;
    let out = w.buy(&buyer, &usdc, &asset, 3, 2 * USDC).await.unwrap();

    let access_ata = pda::ata(&buyer.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID);
    assert_eq!(w.h.balance(&access_ata).await, 3);
    let mint: Mint = w.h.fetch(&pda::access_mint(&asset)).await.unwrap();
    assert_eq!(mint.supply, 3);
    assert_eq!(w.h.balance(&usdc).await, 4 * USDC);
    assert_eq!(
        w.h.balance(&pda::fee_vault(&asset)).await,
        60_000,
        "the fee accrues in the asset's fee vault"
    );
    assert_eq!(w.vault_balance(&asset).await, 6 * USDC - 60_000);

    let pass = w.pass(&asset, &buyer.pubkey()).await.unwrap();
    assert_eq!((pass.asset, pass.holder), (asset, buyer.pubkey()));
    assert_eq!(pass.expires_at, 1_800_000_000 + 3 * 3_600);
    assert_eq!((pass.purchased, pass.revoked, pass.perpetual), (3, false, false));
    let a = w.asset(&asset).await;
    assert_eq!((a.sold, a.sales), (3, 1));

    let ev: AccessBought = out.event();
    assert_eq!(ev.asset, asset);
    assert_eq!(ev.buyer, buyer.pubkey());
    assert_eq!(
        (ev.quantity, ev.price, ev.total, ev.fee, ev.net),
        (3, 2 * USDC, 6 * USDC, 60_000, 6 * USDC - 60_000)
    );
    assert_eq!((ev.expires_at, ev.sale_seq), (1_800_000_000 + 10_800, 1));
    let dep: Deposited = out.event();
    assert_eq!((dep.amount, dep.received), (ev.net, ev.net));

    let out = w.buy(&buyer, &usdc, &asset, 1, 2 * USDC).await.unwrap();
    assert_eq!(out.event::<AccessBought>().sale_seq, 2, "per-asset sale sequence");
}

#[tokio::test]
async fn a_perpetual_asset_gives_a_perpetual_pass() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    let pass = w.pass(&asset, &buyer.pubkey()).await.unwrap();
    assert!(pass.perpetual);
    w.h.set_time(i64::MAX / 2).await;
    w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
        .await
        .expect("never expires");
}

#[tokio::test]
async fn refuses_a_price_above_the_buyers_limit() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    // The publisher raises the price after the buyer saw it.
    let ix = ix::registry::update_asset(
        &publisher.pubkey(),
        &asset,
        UpdateAssetArgs {
            price: Some(2 * USDC),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&publisher]).await.unwrap();
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        RegistryError::PriceAboveLimit,
    );
    assert_eq!(w.h.balance(&usdc).await, 10 * USDC);
}

/// The buyer saw 30 days per token; the publisher shortens it to 1 hour before the purchase
/// lands: the buyer's duration guard refuses it, and nothing is charged.
#[tokio::test]
async fn refuses_an_access_duration_shortened_below_the_buyers_minimum() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 30 * 86_400).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    let quote = BuyAccessArgs {
        quantity: 1,
        max_unit_price: USDC,
        min_access_duration: 30 * 86_400,
    };
    let ix = ix::registry::update_asset(
        &publisher.pubkey(),
        &asset,
        UpdateAssetArgs {
            access_duration: Some(3_600),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&publisher]).await.unwrap();
    let buy = w.buy_ix_with(&buyer.pubkey(), &usdc, &asset, quote).await;
    assert_err(
        w.h.send(&[buy], &[&buyer]).await,
        RegistryError::AccessDurationBelowLimit,
    );
    assert_eq!(w.h.balance(&usdc).await, 10 * USDC);
    assert!(w.pass(&asset, &buyer.pubkey()).await.is_none());

    // Exactly the minimum passes; so does a longer duration.
    let ix = ix::registry::update_asset(
        &publisher.pubkey(),
        &asset,
        UpdateAssetArgs {
            access_duration: Some(30 * 86_400),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&publisher]).await.unwrap();
    let buy = w.buy_ix_with(&buyer.pubkey(), &usdc, &asset, quote).await;
    w.h.send(&[buy], &[&buyer]).await.expect("the duration quoted");
    assert_eq!(w.h.balance(&usdc).await, 9 * USDC);
}

/// A perpetual asset passes any minimum; `u64::MAX` accepts only a perpetual asset, so a
/// buyer who saw "perpetual" is protected from a switch to a finite duration.
#[tokio::test]
async fn perpetual_always_passes_and_u64_max_requires_it() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    let perpetual_only = BuyAccessArgs {
        quantity: 1,
        max_unit_price: USDC,
        min_access_duration: u64::MAX,
    };
    let buy = w.buy_ix_with(&buyer.pubkey(), &usdc, &asset, perpetual_only).await;
    w.h.send(&[buy], &[&buyer]).await.expect("perpetual");
    let ix = ix::registry::update_asset(
        &publisher.pubkey(),
        &asset,
        UpdateAssetArgs {
            access_duration: Some(365 * 86_400),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&publisher]).await.unwrap();
    let buy = w.buy_ix_with(&buyer.pubkey(), &usdc, &asset, perpetual_only).await;
    assert_err(
        w.h.send(&[buy], &[&buyer]).await,
        RegistryError::AccessDurationBelowLimit,
    );
    assert_eq!(w.h.balance(&usdc).await, 9 * USDC);
}

#[tokio::test]
async fn refuses_zero_quantity_and_overflow() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, u64::MAX / 2 + 1, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    assert_err(
        w.buy(&buyer, &usdc, &asset, 0, u64::MAX).await,
        RegistryError::ZeroQuantity,
    );
    assert_err(
        w.buy(&buyer, &usdc, &asset, 2, u64::MAX).await,
        RegistryError::PriceOverflow,
    );
    assert!(w.pass(&asset, &buyer.pubkey()).await.is_none());
}

#[tokio::test]
async fn refuses_to_sell_over_the_supply_cap() {
    let mut w = World::new(0).await;
    let p = w.keypair().await;
    let mut args = publish_args(1, USDC, 0, &[(p.pubkey(), 10_000)]);
    args.max_supply = 5;
    let asset = w.publish(&p, args).await.unwrap();
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 4, USDC).await.unwrap();
    assert_err(
        w.buy(&buyer, &usdc, &asset, 2, USDC).await,
        RegistryError::SupplyExhausted,
    );
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("exactly the cap");
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        RegistryError::SupplyExhausted,
    );
}

#[tokio::test]
async fn refuses_a_substituted_split_or_vault() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (_, other) = w.listed(2, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;

    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &asset, 1, USDC).await;
    substitute(&mut ix, &pda::split(&asset), &pda::split(&other));
    assert_err(w.h.send(&[ix], &[&buyer]).await, RegistryError::SplitMismatch);

    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &asset, 1, USDC).await;
    substitute(
        &mut ix,
        &pda::vault(&pda::split(&asset)),
        &pda::vault(&pda::split(&other)),
    );
    assert_err(w.h.send(&[ix], &[&buyer]).await, RoyaltiesError::VaultMismatch);
    assert_eq!(w.vault_balance(&other).await, 0);
    assert_eq!(w.h.balance(&usdc).await, 10 * USDC);
}

#[tokio::test]
async fn refuses_a_fee_account_that_is_not_the_assets_fee_vault() {
    let mut w = World::new(500).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    let (_, thief_usdc) = w.buyer(0).await;
    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &asset, 1, USDC).await;
    substitute(&mut ix, &pda::fee_vault(&asset), &thief_usdc);
    assert_err(w.h.send(&[ix], &[&buyer]).await, ErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn refuses_someone_elses_payment_account() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (_victim, victim_usdc) = w.buyer(10 * USDC).await;
    let (buyer, usdc) = w.buyer(0).await;
    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &asset, 1, USDC).await;
    substitute(&mut ix, &usdc, &victim_usdc);
    assert_err(w.h.send(&[ix], &[&buyer]).await, ErrorCode::ConstraintTokenOwner);
    assert_eq!(w.h.balance(&victim_usdc).await, 10 * USDC);
}

#[tokio::test]
async fn refuses_delisted_and_retired_assets() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.h.send(&[ix::registry::delist_asset(&p.pubkey(), &asset)], &[&p])
        .await
        .unwrap();
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        RegistryError::AssetNotListed,
    );
    w.h.send(&[ix::registry::retire_asset(&p.pubkey(), &asset)], &[&p])
        .await
        .unwrap();
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        RegistryError::AssetNotListed,
    );
}

#[tokio::test]
async fn refuses_missing_or_wrong_parent_splits() {
    let mut w = World::new(0).await;
    let (_, d1) = w.listed(1, USDC, 0).await;
    let (_, d2) = w.listed(2, USDC, 0).await;
    let m = w.keypair().await;
    let model = w
        .publish_model(&m, 3, USDC, &[(d1, 1_000)], &[(m.pubkey(), 10_000)])
        .await
        .unwrap();
    let (buyer, usdc) = w.buyer(10 * USDC).await;

    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &model, 1, USDC).await;
    ix.accounts.truncate(ix.accounts.len() - 2);
    assert_err(w.h.send(&[ix], &[&buyer]).await, RegistryError::ParentAccountsMismatch);

    let mut ix = w.buy_ix(&buyer.pubkey(), &usdc, &model, 1, USDC).await;
    substitute(&mut ix, &pda::split(&d1), &pda::split(&d2));
    substitute(&mut ix, &pda::vault(&pda::split(&d1)), &pda::vault(&pda::split(&d2)));
    assert_err(w.h.send(&[ix], &[&buyer]).await, RegistryError::SplitMismatch);
    assert_eq!(w.vault_balance(&d2).await, 0);
}

#[tokio::test]
async fn a_revoked_pass_cannot_be_renewed() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 3_600).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    w.h.send(
        &[ix::registry::revoke_pass(&p.pubkey(), &asset, &buyer.pubkey(), 7)],
        &[&p],
    )
    .await
    .unwrap();
    assert_err(w.buy(&buyer, &usdc, &asset, 1, USDC).await, RegistryError::PassRevoked);
    assert_eq!(w.h.balance(&usdc).await, 9 * USDC, "nothing charged for a dead pass");
}
