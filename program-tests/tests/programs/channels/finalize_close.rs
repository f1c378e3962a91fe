//! `finalize_close`: anyone closes a channel once the grace after the close request ended; the
//! unspent deposit and the rents go back to the payer.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelClosed},
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn anyone_finalizes_after_the_grace_and_the_payer_gets_the_rest() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let vault = pda::channel_vault(&ch);
    let rents = f.w.h.lamports(&ch).await + f.w.h.lamports(&vault).await;
    f.settle(&ch, 3 * USDC).await.unwrap();
    let b0 = f.balances(&ch).await;
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    let lamports = f.w.h.lamports(&f.payer.pubkey()).await;
    let c = f.channel(&ch).await;
    let bot = f.w.keypair().await;
    let ix = ix::channels::finalize_close(&bot.pubkey(), &ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID);
    let out = f.w.h.send(&[ix], &[&bot]).await.expect("finalize_close");
    let ev: ChannelClosed = out.event();
    assert_eq!(
        (ev.channel, ev.settled, ev.refund, ev.surplus, ev.by),
        (ch, 3 * USDC, 7 * USDC, 0, bot.pubkey())
    );
    let b1 = f.balances(&ch).await;
    assert_eq!((b1.payer - b0.payer, b1.vault), (7 * USDC, 0));
    Fx::assert_conserved(&b0, &b1);
    assert!(f.w.h.account(&ch).await.is_none(), "the channel is closed");
    assert!(f.w.h.account(&vault).await.is_none(), "the vault is closed");
    assert_eq!(f.w.h.lamports(&f.payer.pubkey()).await - lamports, rents);
    // Nothing can be settled any more: the channel is gone.
    let p = f.payer.insecure_clone();
    let model = f.model_asset().await;
    let args = tessera_client::channels::payout::SettleArgs {
        cumulative: 4 * USDC,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&p, &ch, args.cumulative, args.expiry);
    let ixs = ix::channels::settle(&ch, &c, &model, &f.payees(), args, &sig);
    assert_err(
        f.w.h.send(&ixs, &[]).await,
        anchor_lang::error::ErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn no_finalize_before_the_grace_ends_or_without_a_request() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    assert_err(f.finalize(&ch).await, ChannelsError::CloseNotRequested);
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE) - 1).await;
    assert_err(f.finalize(&ch).await, ChannelsError::CloseGraceNotOver);
    f.w.h.set_time(T + i64::from(GRACE)).await;
    f.finalize(&ch).await.expect("at the grace's end");
}

#[tokio::test]
async fn the_refund_goes_to_the_payers_account_and_rents_to_the_payer() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    let c = f.channel(&ch).await;
    let bot = f.w.keypair().await;
    let usdc = f.w.usdc;
    let bots = f.w.h.ata(&bot.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let ix = ix::channels::finalize_close(&bot.pubkey(), &ch, &c, &bots, &TOKEN_PROGRAM_ID);
    assert_err(f.w.h.send(&[ix], &[&bot]).await, ChannelsError::WrongTokenAccountOwner);
    let mut ix = ix::channels::finalize_close(&bot.pubkey(), &ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID);
    tessera_program_tests::substitute(&mut ix, &f.payer.pubkey(), &bot.pubkey());
    assert_err(f.w.h.send(&[ix], &[&bot]).await, ChannelsError::NotPayer);
    // A payer account can always be made: a new (non-associated) account of the payer works.
    let p = f.payer.pubkey();
    let fresh = f.w.h.create_token_account(&p, &usdc, &TOKEN_PROGRAM_ID).await;
    let ix = ix::channels::finalize_close(&bot.pubkey(), &ch, &c, &fresh, &TOKEN_PROGRAM_ID);
    f.w.h
        .send(&[ix], &[&bot])
        .await
        .expect("finalize into another payer account");
    assert_eq!(f.w.h.balance(&fresh).await, DEPOSIT);
}
