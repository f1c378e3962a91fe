//! `top_up`: the payer adds to the deposit, until it requests the close; not while paused.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelToppedUp, instructions::UpdateConfigArgs},
    ix, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn the_payer_tops_up_and_vouchers_may_then_go_higher() {
    let mut f = fixture().await;
    let ch = f.open(1, USDC).await;
    assert_err(f.settle(&ch, USDC + 1).await, ChannelsError::VoucherAboveDeposit);
    let c = f.channel(&ch).await;
    let p = f.payer.insecure_clone();
    let b0 = f.balances(&ch).await;
    let top = ix::channels::top_up(&ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID, 2 * USDC);
    let out = f.w.h.send(&[top], &[&p]).await.expect("top_up");
    let ev: ChannelToppedUp = out.event();
    assert_eq!(
        (ev.channel, ev.amount, ev.received, ev.deposit),
        (ch, 2 * USDC, 2 * USDC, 3 * USDC)
    );
    assert_eq!(f.channel(&ch).await.deposit, 3 * USDC);
    let b1 = f.balances(&ch).await;
    assert_eq!((b0.payer - b1.payer, b1.vault - b0.vault), (2 * USDC, 2 * USDC));
    f.settle(&ch, USDC + 1).await.expect("within the new deposit");
    Fx::assert_conserved(&b0, &f.balances(&ch).await);
}

#[tokio::test]
async fn only_the_payer_tops_up_and_not_zero() {
    let mut f = fixture().await;
    let ch = f.open(1, USDC).await;
    let c = f.channel(&ch).await;
    let (other, other_usdc) = f.w.buyer(USDC).await;
    let mut c_other = c.clone();
    c_other.payer = other.pubkey();
    let top = ix::channels::top_up(&ch, &c_other, &other_usdc, &TOKEN_PROGRAM_ID, USDC);
    assert_err(f.w.h.send(&[top], &[&other]).await, ChannelsError::NotPayer);
    let p = f.payer.insecure_clone();
    let zero = ix::channels::top_up(&ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID, 0);
    assert_err(f.w.h.send(&[zero], &[&p]).await, ChannelsError::ZeroAmount);
}

#[tokio::test]
async fn no_top_up_after_a_close_request_nor_while_paused() {
    let mut f = fixture().await;
    let ch = f.open(1, USDC).await;
    let c = f.channel(&ch).await;
    let p = f.payer.insecure_clone();
    let top = ix::channels::top_up(&ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID, USDC);
    let admin = f.w.admin.insecure_clone();
    let pause = |paused| {
        ix::channels::update_config(
            &admin.pubkey(),
            UpdateConfigArgs {
                paused: Some(paused),
                ..Default::default()
            },
        )
    };
    f.w.h.send(&[pause(true)], &[&admin]).await.unwrap();
    assert_err(f.w.h.send(&[top.clone()], &[&p]).await, ChannelsError::ChannelsPaused);
    f.w.h.send(&[pause(false)], &[&admin]).await.unwrap();
    f.request_close(&ch).await.unwrap();
    assert_err(f.w.h.send(&[top], &[&p]).await, ChannelsError::CloseRequested);
    assert_eq!(f.channel(&ch).await.deposit, USDC);
}
