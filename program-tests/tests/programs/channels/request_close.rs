//! `request_close`: the payer starts the close; the grace lets the payee settle its last voucher.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelCloseRequested},
    ix,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn the_payer_requests_the_close_once() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.w.h.set_time(T + 5).await;
    let out = f.request_close(&ch).await.expect("request_close");
    let ev: ChannelCloseRequested = out.event();
    assert_eq!(
        (ev.channel, ev.requested_at, ev.grace_ends_at),
        (ch, T + 5, T + 5 + i64::from(GRACE))
    );
    assert_eq!(f.channel(&ch).await.close_requested_at, T + 5);
    assert_err(f.request_close(&ch).await, ChannelsError::CloseAlreadyRequested);
}

#[tokio::test]
async fn only_the_payer_requests_the_close() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let mut c = f.channel(&ch).await;
    for who in [f.payee.insecure_clone(), f.w.keypair().await] {
        c.payer = who.pubkey();
        let ix = ix::channels::request_close(&ch, &c);
        assert_err(f.w.h.send(&[ix], &[&who]).await, ChannelsError::NotPayer);
    }
    assert_eq!(f.channel(&ch).await.close_requested_at, 0);
}
