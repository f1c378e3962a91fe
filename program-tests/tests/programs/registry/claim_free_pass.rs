//! `claim_free_pass`: the free tier. An asset published (or updated) at price 0 gives each
//! wallet one pass and one access token at a time (renewed once expired), recorded on chain like
//! a sale of zero; `buy_access` refuses it, so a free asset cannot be minted in bulk.

use anchor_lang::error::ErrorCode;
use anchor_spl::token_2022::spl_token_2022;
use tessera_client::{
    ix, pda,
    registry::{
        errors::RegistryError,
        events::AccessBought,
        instructions::{UpdateAssetArgs, UpdateConfigArgs},
    },
    Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestKeypair as Keypair, TestSigner, TxResult};

/// Publishes a free dataset (price 0) with `access_duration` and `max_supply`.
async fn free_asset(w: &mut World, seed: u8, access_duration: u64, max_supply: u64) -> (Keypair, Pubkey) {
    let publisher = w.keypair().await;
    let mut args = publish_args(seed, 0, access_duration, &[(publisher.pubkey(), 10_000)]);
    args.max_supply = max_supply;
    let asset = w.publish(&publisher, args).await.expect("a price of 0 is allowed");
    (publisher, asset)
}

async fn claim(w: &mut World, holder: &Keypair, asset: &Pubkey) -> TxResult {
    let a = w.asset(asset).await;
    let ix = ix::registry::claim_free_pass(&holder.pubkey(), asset, &a);
    w.h.send(&[ix], &[holder]).await
}

#[tokio::test]
async fn claims_one_token_and_a_pass_recorded_as_a_sale_of_zero() {
    let mut w = World::new(100).await;
    let (_, asset) = free_asset(&mut w, 1, 3_600, 0).await;
    // The claimer holds SOL only: no payment-mint account is needed.
    let holder = w.keypair().await;
    w.h.set_time(1_800_000_000).await;
    let out = claim(&mut w, &holder, &asset).await.expect("claim");

    let access_ata = pda::ata(&holder.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID);
    assert_eq!(w.h.balance(&access_ata).await, 1);
    let pass = w.pass(&asset, &holder.pubkey()).await.expect("pass");
    assert_eq!((pass.asset, pass.holder), (asset, holder.pubkey()));
    assert_eq!((pass.expires_at, pass.perpetual), (1_800_000_000 + 3_600, false));
    assert_eq!((pass.purchased, pass.revoked), (1, false));
    let a = w.asset(&asset).await;
    assert_eq!((a.sold, a.sales), (1, 1));
    assert_eq!(w.h.balance(&w.treasury_usdc.clone()).await, 0);
    assert_eq!(w.vault_balance(&asset).await, 0);

    let ev: AccessBought = out.event();
    assert_eq!(
        (ev.asset, ev.buyer, ev.pass),
        (asset, holder.pubkey(), pda::pass(&asset, &holder.pubkey()))
    );
    assert_eq!((ev.quantity, ev.price, ev.total, ev.fee, ev.net), (1, 0, 0, 0, 0));
    assert_eq!(
        (ev.expires_at, ev.perpetual, ev.sale_seq),
        (1_800_000_000 + 3_600, false, 1)
    );

    // The free pass is a pass like any other.
    w.h.send(&[ix::registry::verify_access(&asset, &holder.pubkey())], &[])
        .await
        .expect("a claimed pass verifies");
}

#[tokio::test]
async fn a_perpetual_free_asset_gives_a_perpetual_pass() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 0).await;
    let holder = w.keypair().await;
    claim(&mut w, &holder, &asset).await.expect("claim");
    let pass = w.pass(&asset, &holder.pubkey()).await.expect("pass");
    assert!(pass.perpetual);
}

#[tokio::test]
async fn one_pass_per_wallet_at_a_time_renewed_once_expired_never_once_revoked() {
    let mut w = World::new(0).await;
    let (p, asset) = free_asset(&mut w, 1, 60, 0).await;
    let holder = w.keypair().await;
    w.h.set_time(1_800_000_000).await;
    claim(&mut w, &holder, &asset).await.expect("first claim");
    w.h.refresh_blockhash().await;
    assert_err(
        claim(&mut w, &holder, &asset).await,
        RegistryError::FreePassAlreadyClaimed,
    );

    // Giving the token away while the pass is valid does not earn another claim.
    let friend = w.keypair().await;
    let mint = pda::access_mint(&asset);
    let from = pda::ata(&holder.pubkey(), &mint, &TOKEN_PROGRAM_ID);
    let to = w.h.ata(&friend.pubkey(), &mint, &TOKEN_PROGRAM_ID).await;
    let give = spl_token_2022::instruction::transfer(&TOKEN_PROGRAM_ID, &from, &to, &holder.pubkey(), &[], 1)
        .expect("transfer ix");
    w.h.send(&[give], &[&holder]).await.expect("give the token away");
    w.h.set_time(1_800_000_000 + 59).await;
    assert_err(
        claim(&mut w, &holder, &asset).await,
        RegistryError::FreePassAlreadyClaimed,
    );

    // Once expired, a claim renews the pass: one more period, one more token.
    w.h.set_time(1_800_000_000 + 60).await;
    claim(&mut w, &holder, &asset)
        .await
        .expect("renew the expired free pass");
    let pass = w.pass(&asset, &holder.pubkey()).await.expect("pass");
    assert_eq!((pass.expires_at, pass.purchased), (1_800_000_000 + 120, 2));
    assert_eq!(w.h.balance(&from).await, 1);
    assert_eq!(w.asset(&asset).await.sold, 2);

    // A revoked pass is never renewed.
    let revoke = ix::registry::revoke_pass(&p.pubkey(), &asset, &holder.pubkey(), 1);
    w.h.send(&[revoke], &[&p]).await.expect("revoke");
    w.h.set_time(1_800_000_000 + 200).await;
    assert_err(claim(&mut w, &holder, &asset).await, RegistryError::PassRevoked);
    // The friend has a token but no pass: it claims its own.
    claim(&mut w, &friend, &asset).await.expect("another wallet claims");
}

#[tokio::test]
async fn buy_access_refuses_a_free_asset_and_claim_refuses_a_paid_one() {
    let mut w = World::new(0).await;
    let (_, free) = free_asset(&mut w, 1, 0, 0).await;
    let (buyer, usdc) = w.buyer(USDC).await;
    // Bulk minting through buy_access would break "one per wallet".
    assert_err(w.buy(&buyer, &usdc, &free, 1_000, 0).await, RegistryError::AssetIsFree);

    let (_, paid) = w.listed(2, USDC, 0).await;
    assert_err(claim(&mut w, &buyer, &paid).await, RegistryError::AssetNotFree);
}

#[tokio::test]
async fn a_price_change_moves_an_asset_between_the_tiers() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("paid purchase");
    let price = |price| {
        ix::registry::update_asset(
            &p.pubkey(),
            &asset,
            UpdateAssetArgs {
                price: Some(price),
                ..Default::default()
            },
        )
    };
    w.h.send(&[price(0)], &[&p]).await.expect("the publisher makes it free");
    // A wallet that bought before has its pass already; a new wallet claims.
    assert_err(
        claim(&mut w, &buyer, &asset).await,
        RegistryError::FreePassAlreadyClaimed,
    );
    let newcomer = w.keypair().await;
    claim(&mut w, &newcomer, &asset).await.expect("claim at price 0");

    w.h.send(&[price(2 * USDC)], &[&p]).await.expect("paid again");
    let other = w.keypair().await;
    assert_err(claim(&mut w, &other, &asset).await, RegistryError::AssetNotFree);
}

#[tokio::test]
async fn refuses_when_paused_delisted_or_sold_out() {
    let mut w = World::new(0).await;
    let (p, asset) = free_asset(&mut w, 1, 0, 1).await;
    let first = w.keypair().await;
    claim(&mut w, &first, &asset).await.expect("the only one");
    let second = w.keypair().await;
    assert_err(claim(&mut w, &second, &asset).await, RegistryError::SupplyExhausted);

    let (p2, other) = free_asset(&mut w, 2, 0, 0).await;
    w.h.send(&[ix::registry::delist_asset(&p2.pubkey(), &other)], &[&p2])
        .await
        .expect("delist");
    assert_err(claim(&mut w, &second, &other).await, RegistryError::AssetNotListed);
    w.h.send(&[ix::registry::relist_asset(&p2.pubkey(), &other)], &[&p2])
        .await
        .expect("relist");

    w.update_config(UpdateConfigArgs {
        paused: Some(true),
        ..Default::default()
    })
    .await
    .expect("pause");
    assert_err(claim(&mut w, &second, &other).await, RegistryError::RegistryPaused);
    let _ = p;
}

#[tokio::test]
async fn another_wallets_pass_address_is_refused() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 0).await;
    let (holder, victim) = (w.keypair().await, w.keypair().await);
    let a = w.asset(&asset).await;
    let mut ix = ix::registry::claim_free_pass(&holder.pubkey(), &asset, &a);
    substitute(
        &mut ix,
        &pda::pass(&asset, &holder.pubkey()),
        &pda::pass(&asset, &victim.pubkey()),
    );
    assert_err(w.h.send(&[ix], &[&holder]).await, ErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn a_prefunded_pass_address_does_not_block_the_claim() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 0).await;
    let holder = w.keypair().await;
    let pass = pda::pass(&asset, &holder.pubkey());
    let stranger = w.h.funded_keypair(2 * SOL).await;
    let gift = solana_system_interface::instruction::transfer(&stranger.pubkey(), &pass, 890_880);
    w.h.send(&[gift], &[&stranger]).await.expect("prefund");
    claim(&mut w, &holder, &asset)
        .await
        .expect("claim over the prefunded address");
    assert_eq!(
        w.h.account(&pass).await.expect("pass").owner,
        tessera_client::REGISTRY_ID
    );
}
