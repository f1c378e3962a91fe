//! Stray tokens sent straight to a channel's vault never block anything: settlements pay the
//! recorded amounts, top-ups record their own balance delta, and the surplus goes to the payer
//! at the close (reported as `ChannelClosed.surplus`).

use tessera_client::{
    channels::events::{ChannelClosed, ChannelSettled, ChannelToppedUp},
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::TestSigner;

use super::*;

async fn stray(f: &mut Fx, to: &Pubkey, amount: u64) {
    use anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked;
    let (stranger, source) = f.w.buyer(amount).await;
    let usdc = f.w.usdc;
    let ix = transfer_checked(
        &TOKEN_PROGRAM_ID,
        &source,
        &usdc,
        to,
        &stranger.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap();
    f.w.h.send(&[ix], &[&stranger]).await.expect("stray transfer");
}

#[tokio::test]
async fn stray_tokens_change_no_settlement_and_go_to_the_payer_at_the_close() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let vault = pda::channel_vault(&ch);
    stray(&mut f, &vault, 7).await;
    let b0 = f.balances(&ch).await;
    assert_eq!(b0.vault, DEPOSIT + 7);
    let out = f.settle(&ch, USDC).await.expect("settle with a stray unit");
    let ev: ChannelSettled = out.event();
    assert_eq!((ev.amount, ev.remaining), (USDC, DEPOSIT - USDC));
    // A top-up records what it brought, not the stray tokens.
    let c = f.channel(&ch).await;
    let p = f.payer.insecure_clone();
    let top = ix::channels::top_up(&ch, &c, &f.payer_usdc, &TOKEN_PROGRAM_ID, 5);
    let out = f.w.h.send(&[top], &[&p]).await.unwrap();
    let ev: ChannelToppedUp = out.event();
    assert_eq!((ev.received, ev.deposit), (5, DEPOSIT + 5));
    // The whole deposit can still be settled; the stray units stay.
    f.settle(&ch, DEPOSIT + 5).await.expect("settle everything");
    assert_eq!(f.w.h.balance(&vault).await, 7);
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    let out = f.finalize(&ch).await.expect("finalize with stray units");
    let ev: ChannelClosed = out.event();
    assert_eq!((ev.refund, ev.surplus), (0, 7));
    let b1 = f.balances(&ch).await;
    assert_eq!(b1.vault, 0);
    Fx::assert_conserved(&b0, &b1);
}

#[tokio::test]
async fn stray_tokens_do_not_block_settle_and_close() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    stray(&mut f, &pda::channel_vault(&ch), 3).await;
    let b0 = f.balances(&ch).await;
    let c = f.channel(&ch).await;
    let model = f.model_asset().await;
    let p = f.payer.insecure_clone();
    let args = tessera_client::channels::payout::SettleArgs {
        cumulative: USDC,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&p, &ch, args.cumulative, args.expiry);
    let payee = f.payee.insecure_clone();
    let ixs = ix::channels::settle_and_close(&ch, &c, &model, &f.payees(), &f.payer_usdc, Some((args, sig)));
    let out = f.w.h.send(&ixs, &[&payee]).await.expect("settle_and_close");
    let ev: ChannelClosed = out.event();
    assert_eq!((ev.refund, ev.surplus), (DEPOSIT - USDC, 3));
    let b1 = f.balances(&ch).await;
    assert_eq!(b1.payer - b0.payer, DEPOSIT - USDC + 3);
    Fx::assert_conserved(&b0, &b1);
}
