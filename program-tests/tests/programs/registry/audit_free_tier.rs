//! Audit of the free tier (`claim_free_pass`, `buy_access`'s `AssetIsFree`, price 0 in
//! `publish_asset` / `update_asset`). Tests named `finding_*` pin the behaviour of a reported
//! finding that was accepted as designed (they pass); `fixed_*` tests assert the fix of one
//! (F1: an expired pass of a free asset is renewed by a claim). The other tests are regression
//! tests of attacks that turned out safe.

use anchor_spl::token_2022::spl_token_2022;
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, instructions::UpdateAssetArgs, state::AssetKind},
    Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair as Keypair, TestSigner, TxResult};

const T0: i64 = 1_800_000_000;

async fn free_asset(w: &mut World, seed: u8, access_duration: u64, max_supply: u64) -> (Keypair, Pubkey) {
    let publisher = w.keypair().await;
    let mut args = publish_args(seed, 0, access_duration, &[(publisher.pubkey(), 10_000)]);
    args.max_supply = max_supply;
    let asset = w.publish(&publisher, args).await.expect("publish at price 0");
    (publisher, asset)
}

async fn claim(w: &mut World, holder: &Keypair, asset: &Pubkey) -> TxResult {
    let a = w.asset(asset).await;
    let ix = ix::registry::claim_free_pass(&holder.pubkey(), asset, &a);
    w.h.send(&[ix], &[holder]).await
}

async fn set_price(w: &mut World, publisher: &Keypair, asset: &Pubkey, price: u64) {
    let ix = ix::registry::update_asset(
        &publisher.pubkey(),
        asset,
        UpdateAssetArgs {
            price: Some(price),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[publisher]).await.expect("update price");
}

fn access_ata(holder: &Pubkey, asset: &Pubkey) -> Pubkey {
    pda::ata(holder, &pda::access_mint(asset), &TOKEN_PROGRAM_ID)
}

async fn give_tokens(w: &mut World, from: &Keypair, to: &Pubkey, asset: &Pubkey, amount: u64) {
    let mint = pda::access_mint(asset);
    let dest = w.h.ata(to, &mint, &TOKEN_PROGRAM_ID).await;
    let ix = spl_token_2022::instruction::transfer(
        &TOKEN_PROGRAM_ID,
        &access_ata(&from.pubkey(), asset),
        &dest,
        &from.pubkey(),
        &[],
        amount,
    )
    .expect("transfer ix");
    w.h.send(&[ix], &[from]).await.expect("transfer access tokens");
}

/// F1 (medium, availability), fixed: a timed asset that a wallet bought and that is free now
/// used to lock that wallet out once its pass expired (`FreePassAlreadyClaimed`, and
/// `AssetIsFree` for a purchase), while any fresh wallet claimed. A claim now renews it.
#[tokio::test]
async fn fixed_f1_an_expired_bought_pass_is_renewed_by_a_claim_once_the_asset_is_free() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 60).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.h.set_time(T0).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("paid purchase");
    set_price(&mut w, &p, &asset, 0).await;
    w.h.set_time(T0 + 61).await;

    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
            .await,
        RegistryError::PassExpired,
    );
    assert_err(w.buy(&buyer, &usdc, &asset, 1, USDC).await, RegistryError::AssetIsFree);
    claim(&mut w, &buyer, &asset)
        .await
        .expect("the former customer renews for free");
    w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
        .await
        .expect("valid again");
}

/// F1, fixed: an expired (not revoked) pass of a free asset is renewed by a claim.
#[tokio::test]
async fn fixed_f1_an_expired_free_pass_is_renewed() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 60, 0).await;
    let holder = w.keypair().await;
    w.h.set_time(T0).await;
    claim(&mut w, &holder, &asset).await.expect("claim");
    w.h.set_time(T0 + 61).await;
    claim(&mut w, &holder, &asset)
        .await
        .expect("renew the expired free pass");
}

/// F1 on an inference-gated free model, fixed: the claimer opens a channel while its pass is
/// valid; once it expired, opening is refused until a claim renews the pass.
#[tokio::test]
async fn fixed_f1_an_expired_free_pass_of_a_gated_model_is_renewed_to_open_channels() {
    use crate::channels::{fixture, Fx, DEPOSIT, GRACE, T};
    use tessera_client::ix::channels::OpenChannelAccounts;
    let mut f = fixture().await;
    let mp = f.model_publisher.insecure_clone();
    let mut args = publish_args(91, 0, 60, &[(mp.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    args.inference_gated = true;
    let gated = f.w.publish(&mp, args).await.expect("a free gated model");
    let payee = f.payee.insecure_clone();
    let update = ix::escrow::update_provider(
        &payee.pubkey(),
        tessera_client::escrow::instructions::RegisterProviderArgs {
            endpoint: "https://infer.example/v1".into(),
            models: vec![f.model, gated],
        },
    );
    f.w.h.send(&[update], &[&payee]).await.expect("serve the gated model");
    let p = f.payer.insecure_clone();
    let (s, pu, usdc) = (p.pubkey(), f.payer_usdc, f.w.usdc);
    let open = |id: u64| {
        ix::channels::open_channel(
            &OpenChannelAccounts {
                payer: s,
                model: gated,
                provider_authority: payee.pubkey(),
                mint: usdc,
                payer_token_account: pu,
                token_program: TOKEN_PROGRAM_ID,
                gated: true,
            },
            Fx::open_args(id, DEPOSIT, s, GRACE),
        )
    };
    // The fixture's clock is at T.
    claim(&mut f.w, &p, &gated).await.expect("free pass");
    f.w.h.send(&[open(1)], &[&p]).await.expect("open with the free pass");
    f.w.h.set_time(T + 61).await;
    assert_err(f.w.h.send(&[open(2)], &[&p]).await, RegistryError::PassExpired);
    assert_err(f.w.buy(&p, &pu, &gated, 1, USDC).await, RegistryError::AssetIsFree);
    claim(&mut f.w, &p, &gated).await.expect("renew the free pass");
    f.w.h
        .send(&[open(2)], &[&p])
        .await
        .expect("open again with the renewed pass");
}

/// F2 (low): "one per wallet" bounds nothing per person. Fresh wallets (rent only) claim a
/// limited free asset's whole supply and pass the tokens to one wallet, which then holds and
/// redeems more than one free token; an honest newcomer finds it sold out.
#[tokio::test]
async fn finding_f2_fresh_wallets_drain_a_limited_free_supply_into_one_wallet() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 3).await;
    let main = w.keypair().await;
    claim(&mut w, &main, &asset).await.expect("main claims");
    for _ in 0..2 {
        let sybil = w.keypair().await;
        claim(&mut w, &sybil, &asset).await.expect("a sybil claims");
        give_tokens(&mut w, &sybil, &main.pubkey(), &asset, 1).await;
    }
    assert_eq!(w.h.balance(&access_ata(&main.pubkey(), &asset)).await, 3);
    let honest = w.keypair().await;
    assert_err(claim(&mut w, &honest, &asset).await, RegistryError::SupplyExhausted);
    let redeem = ix::registry::redeem_access(&main.pubkey(), &asset, 3);
    w.h.send(&[redeem], &[&main])
        .await
        .expect("one wallet redeems three free tokens");
    assert_eq!(w.pass(&asset, &main.pubkey()).await.expect("pass").redeemed, 3);
}

/// F3 (low): revoking a free pass stops that wallet only; the same person claims again from a
/// fresh wallet at the cost of two rents.
#[tokio::test]
async fn finding_f3_revoking_a_free_pass_is_bypassed_by_a_fresh_wallet() {
    let mut w = World::new(0).await;
    let (p, asset) = free_asset(&mut w, 1, 0, 0).await;
    let holder = w.keypair().await;
    claim(&mut w, &holder, &asset).await.expect("claim");
    let revoke = ix::registry::revoke_pass(&p.pubkey(), &asset, &holder.pubkey(), 7);
    w.h.send(&[revoke], &[&p]).await.expect("revoke");
    w.h.refresh_blockhash().await;
    assert_err(claim(&mut w, &holder, &asset).await, RegistryError::PassRevoked);
    let alias = w.keypair().await;
    claim(&mut w, &alias, &asset)
        .await
        .expect("the same person, another wallet");
    give_tokens(&mut w, &holder, &alias.pubkey(), &asset, 1).await;
    w.h.send(&[ix::registry::verify_access(&asset, &alias.pubkey())], &[])
        .await
        .expect("access again");
}

/// Safe: a wallet that claimed buys more once a price is set (it need not: a perpetual free
/// pass stays valid); the pass is extended, not replaced, and the counters add up.
#[tokio::test]
async fn safe_a_claimer_buys_more_after_a_price_is_set() {
    let mut w = World::new(0).await;
    let (p, asset) = free_asset(&mut w, 1, 100, 0).await;
    let (holder, usdc) = w.buyer(10 * USDC).await;
    w.h.set_time(T0).await;
    claim(&mut w, &holder, &asset).await.expect("claim");
    set_price(&mut w, &p, &asset, USDC).await;
    w.h.set_time(T0 + 50).await;
    w.buy(&holder, &usdc, &asset, 2, USDC).await.expect("buy more");
    let pass = w.pass(&asset, &holder.pubkey()).await.expect("pass");
    assert_eq!((pass.purchased, pass.expires_at), (3, T0 + 100 + 200));
    let a = w.asset(&asset).await;
    assert_eq!((a.sold, a.sales), (3, 2));
    assert_eq!(w.h.balance(&usdc).await, 8 * USDC);
    assert_eq!(w.h.balance(&access_ata(&holder.pubkey(), &asset)).await, 3);
}

/// Safe: the price racing a claim or a purchase. A purchase sent while the asset turns free is
/// refused without payment; a claim sent while a price is set mints nothing.
#[tokio::test]
async fn safe_a_price_change_racing_a_claim_or_a_purchase_takes_nothing() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    let buy = w.buy_ix(&buyer.pubkey(), &usdc, &asset, 5, USDC).await;
    set_price(&mut w, &p, &asset, 0).await;
    assert_err(w.h.send(&[buy], &[&buyer]).await, RegistryError::AssetIsFree);
    assert_eq!(w.h.balance(&usdc).await, 10 * USDC);

    let a = w.asset(&asset).await;
    let claim_ix = ix::registry::claim_free_pass(&buyer.pubkey(), &asset, &a);
    set_price(&mut w, &p, &asset, 1).await;
    assert_err(w.h.send(&[claim_ix], &[&buyer]).await, RegistryError::AssetNotFree);
    assert!(w.pass(&asset, &buyer.pubkey()).await.is_none());
    assert_eq!(w.asset(&asset).await.sold, 0);
}

/// Safe: a stranger who creates the claimer's access-token account, or sends lamports to its
/// address, or to the pass address, does not block the claim.
#[tokio::test]
async fn safe_a_precreated_or_prefunded_access_account_does_not_block_the_claim() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 0).await;
    let stranger = w.h.funded_keypair(2 * SOL).await;

    let first = w.keypair().await;
    w.h.ata(&first.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID)
        .await;
    claim(&mut w, &first, &asset).await.expect("over a precreated ATA");

    let second = w.keypair().await;
    let gifts = [
        solana_system_interface::instruction::transfer(
            &stranger.pubkey(),
            &access_ata(&second.pubkey(), &asset),
            5_000_000,
        ),
        solana_system_interface::instruction::transfer(
            &stranger.pubkey(),
            &pda::pass(&asset, &second.pubkey()),
            5_000_000,
        ),
    ];
    w.h.send(&gifts, &[&stranger]).await.expect("prefund both");
    claim(&mut w, &second, &asset).await.expect("over prefunded addresses");
    assert_eq!(w.h.balance(&access_ata(&second.pubkey(), &asset)).await, 1);
}

/// Safe: a free pass redeems and verifies like a bought one; once its token is burnt it no
/// longer verifies and cannot be claimed again.
#[tokio::test]
async fn safe_a_free_pass_redeems_and_verifies_like_a_bought_one() {
    let mut w = World::new(0).await;
    let (_, asset) = free_asset(&mut w, 1, 0, 0).await;
    let holder = w.keypair().await;
    claim(&mut w, &holder, &asset).await.expect("claim");
    assert_err(
        w.h.send(&[ix::registry::redeem_access(&holder.pubkey(), &asset, 2)], &[&holder])
            .await,
        RegistryError::NoAccessToken,
    );
    w.h.send(&[ix::registry::redeem_access(&holder.pubkey(), &asset, 1)], &[&holder])
        .await
        .expect("redeem the free token");
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &holder.pubkey())], &[])
            .await,
        RegistryError::NoAccessToken,
    );
    w.h.refresh_blockhash().await;
    assert_err(
        claim(&mut w, &holder, &asset).await,
        RegistryError::FreePassAlreadyClaimed, // a perpetual pass never expires
    );
}

/// F1b (low, accepted): `claim_free_pass` has no duration guard (`buy_access` has
/// `min_access_duration`). A publisher who shortens the access period while a claim is in
/// flight gives the claimer a short pass; since F1's fix the claimer renews it once expired.
#[tokio::test]
async fn finding_f1b_a_duration_cut_racing_a_claim_burns_the_wallets_one_claim() {
    let mut w = World::new(0).await;
    let (p, asset) = free_asset(&mut w, 1, 30 * 86_400, 0).await;
    let holder = w.keypair().await;
    w.h.set_time(T0).await;
    // The claimer saw a 30-day free pass and signs its claim; the publisher lands first.
    let a = w.asset(&asset).await;
    let claim_ix = ix::registry::claim_free_pass(&holder.pubkey(), &asset, &a);
    let cut = ix::registry::update_asset(
        &p.pubkey(),
        &asset,
        UpdateAssetArgs {
            access_duration: Some(1),
            ..Default::default()
        },
    );
    w.h.send(&[cut], &[&p]).await.expect("cut the access period to 1 s");
    w.h.send(&[claim_ix], &[&holder])
        .await
        .expect("the claim lands, no guard");
    let pass = w.pass(&asset, &holder.pubkey()).await.expect("pass");
    assert_eq!(pass.expires_at, T0 + 1);
    w.h.set_time(T0 + 1).await;
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &holder.pubkey())], &[])
            .await,
        RegistryError::PassExpired,
    );
    claim(&mut w, &holder, &asset)
        .await
        .expect("the expired pass is renewed");
}
