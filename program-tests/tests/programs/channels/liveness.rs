//! Liveness: an open channel keeps its terms whatever the admin does later, and can always be
//! settled and closed: after a pause, a fee, grace or treasury change, a delisted or retired
//! model, and a payer that closed its token account.

use tessera_client::{
    channels::{events::ChannelSettled, instructions::UpdateConfigArgs},
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::TestSigner;

use super::*;

#[tokio::test]
async fn admin_changes_neither_change_an_open_channel_nor_block_it() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let b0 = f.balances(&ch).await;
    let admin = f.w.admin.insecure_clone();
    let new_treasury = f.w.keypair().await;
    let ix = ix::channels::update_config(
        &admin.pubkey(),
        UpdateConfigArgs {
            treasury: Some(new_treasury.pubkey()),
            fee_bps: Some(1_000),
            min_close_grace: Some(2 * GRACE),
            max_close_grace: Some(4 * GRACE),
            paused: Some(true),
        },
    );
    f.w.h.send(&[ix], &[&admin]).await.unwrap();
    // The fee goes to the current treasury (any of its accounts), at the channel's 1%.
    let usdc = f.w.usdc;
    let new_treasury_usdc = f.w.h.ata(&new_treasury.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let p = f.payer.insecure_clone();
    let mut ixs = f.settle_ixs(&ch, USDC, 0, &p).await;
    tessera_program_tests::substitute(&mut ixs[1], &f.w.treasury_usdc, &new_treasury_usdc);
    let out = f.w.h.send(&ixs, &[]).await.expect("settle while paused");
    let ev: ChannelSettled = out.event();
    assert_eq!(ev.to_treasury, USDC / 100);
    assert_eq!(f.w.h.balance(&new_treasury_usdc).await, USDC / 100);
    // The channel's grace (3,600 s, now below the minimum) still rules its close.
    f.request_close(&ch).await.expect("request_close while paused");
    f.w.h.set_time(T + i64::from(GRACE)).await;
    f.finalize(&ch).await.expect("finalize while paused");
    let b1 = f.balances(&ch).await;
    assert_eq!(b1.payer - b0.payer, DEPOSIT - USDC);
    assert_eq!(
        b0.total(),
        b1.total() + USDC / 100,
        "the fee went to the new treasury's account"
    );
}

#[tokio::test]
async fn a_delisted_or_retired_model_still_settles_and_closes() {
    let mut f = fixture().await;
    let a = f.open(1, DEPOSIT).await;
    let b = f.open(2, DEPOSIT).await;
    let b0 = (f.balances(&a).await, f.balances(&b).await);
    let mp = f.model_publisher.insecure_clone();
    let m = f.model;
    f.w.h
        .send(&[ix::registry::delist_asset(&mp.pubkey(), &m)], &[&mp])
        .await
        .unwrap();
    f.settle(&a, USDC).await.expect("settle a delisted model's channel");
    f.w.h
        .send(&[ix::registry::retire_asset(&mp.pubkey(), &m)], &[&mp])
        .await
        .unwrap();
    f.settle(&a, 2 * USDC).await.expect("settle a retired model's channel");
    // The payee settles and closes one; the payer closes the other.
    let c = f.channel(&a).await;
    let model = f.model_asset().await;
    let payee = f.payee.insecure_clone();
    let ixs = ix::channels::settle_and_close(&a, &c, &model, &f.payees(), &f.payer_usdc, None);
    f.w.h.send(&ixs, &[&payee]).await.expect("settle_and_close");
    f.request_close(&b).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    f.finalize(&b).await.expect("finalize");
    let b1 = (f.balances(&a).await, f.balances(&b).await);
    // Both channels' vaults, and the accounts they share.
    assert_eq!(b0.0.total() + b0.1.vault, b1.0.total() + b1.1.vault, "{b0:?} -> {b1:?}");
    assert_eq!((b1.0.vault, b1.1.vault), (0, 0));
}

#[tokio::test]
async fn the_payer_gets_its_deposit_back_whatever_the_payee_does() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.settle(&ch, USDC).await.unwrap();
    // The payer empties and closes its token account, then asks for the close.
    let p = f.payer.insecure_clone();
    let (_, elsewhere) = f.w.buyer(0).await;
    let left = f.w.h.balance(&f.payer_usdc).await;
    use anchor_spl::token_2022::spl_token_2022::instruction::{close_account, transfer_checked};
    let usdc = f.w.usdc;
    let out = transfer_checked(
        &TOKEN_PROGRAM_ID,
        &f.payer_usdc,
        &usdc,
        &elsewhere,
        &p.pubkey(),
        &[],
        left,
        6,
    )
    .unwrap();
    let close = close_account(&TOKEN_PROGRAM_ID, &f.payer_usdc, &p.pubkey(), &p.pubkey(), &[]).unwrap();
    f.w.h.send(&[out, close], &[&p]).await.unwrap();
    assert!(f.w.h.account(&f.payer_usdc).await.is_none());
    f.request_close(&ch).await.unwrap();
    // The payee stays silent. After the grace anyone re-creates the payer's associated account
    // (idempotent) and finalizes into it.
    f.w.h.set_time(T + 10 * i64::from(GRACE)).await;
    let ata = f.w.h.ata(&p.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    assert_eq!(ata, f.payer_usdc);
    f.finalize(&ch).await.expect("finalize long after the grace");
    assert_eq!(f.w.h.balance(&ata).await, DEPOSIT - USDC);
    assert!(f.w.h.account(&ch).await.is_none());
    assert!(f.w.h.account(&pda::channel_vault(&ch)).await.is_none());
}
