use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::AccessRedeemed},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

#[tokio::test]
async fn holder_burns_tokens_and_the_event_records_it() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 5, USDC).await.unwrap();
    let out =
        w.h.send(&[ix::registry::redeem_access(&buyer.pubkey(), &asset, 2)], &[&buyer])
            .await
            .unwrap();
    let ata = pda::ata(&buyer.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID);
    assert_eq!(w.h.balance(&ata).await, 3);
    assert_eq!(w.pass(&asset, &buyer.pubkey()).await.unwrap().redeemed, 2);
    let ev: AccessRedeemed = out.event();
    assert_eq!(
        (ev.asset, ev.holder, ev.quantity, ev.redeemed_total, ev.remaining),
        (asset, buyer.pubkey(), 2, 2, 3)
    );
}

#[tokio::test]
async fn refuses_zero_or_more_than_held() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 2, USDC).await.unwrap();
    let b = buyer.pubkey();
    assert_err(
        w.h.send(&[ix::registry::redeem_access(&b, &asset, 0)], &[&buyer]).await,
        RegistryError::ZeroQuantity,
    );
    assert_err(
        w.h.send(&[ix::registry::redeem_access(&b, &asset, 3)], &[&buyer]).await,
        RegistryError::NoAccessToken,
    );
}

#[tokio::test]
async fn refuses_an_expired_or_revoked_pass() {
    let mut w = World::new(0).await;
    let (p, asset) = w.listed(1, USDC, 100).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.h.set_time(1_000_000).await;
    w.buy(&buyer, &usdc, &asset, 2, USDC).await.unwrap();
    let b = buyer.pubkey();
    w.h.set_time(1_000_200).await;
    assert_err(
        w.h.send(&[ix::registry::redeem_access(&b, &asset, 1)], &[&buyer]).await,
        RegistryError::PassExpired,
    );
    w.h.set_time(1_000_000).await;
    w.h.send(&[ix::registry::revoke_pass(&p.pubkey(), &asset, &b, 1)], &[&p])
        .await
        .unwrap();
    assert_err(
        w.h.send(&[ix::registry::redeem_access(&b, &asset, 1)], &[&buyer]).await,
        RegistryError::PassRevoked,
    );
}

#[tokio::test]
async fn refuses_someone_elses_tokens() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (alice, a_usdc) = w.buyer(10 * USDC).await;
    let (bob, b_usdc) = w.buyer(10 * USDC).await;
    w.buy(&alice, &a_usdc, &asset, 2, USDC).await.unwrap();
    w.buy(&bob, &b_usdc, &asset, 2, USDC).await.unwrap();
    let mint = pda::access_mint(&asset);
    let mut ix = ix::registry::redeem_access(&bob.pubkey(), &asset, 1);
    substitute(
        &mut ix,
        &pda::ata(&bob.pubkey(), &mint, &TOKEN_PROGRAM_ID),
        &pda::ata(&alice.pubkey(), &mint, &TOKEN_PROGRAM_ID),
    );
    assert_err(w.h.send(&[ix], &[&bob]).await, ErrorCode::ConstraintTokenOwner);
}
