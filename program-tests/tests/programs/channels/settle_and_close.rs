//! `settle_and_close`: the payee settles an optional final voucher and closes at once.

use tessera_client::{
    channels::{
        errors::ChannelsError,
        events::{ChannelClosed, ChannelSettled},
        payout::SettleArgs,
    },
    ix, pda,
};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

#[tokio::test]
async fn the_payee_settles_its_last_voucher_and_closes() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.settle(&ch, USDC).await.unwrap();
    let b0 = f.balances(&ch).await;
    let c = f.channel(&ch).await;
    let model = f.model_asset().await;
    let p = f.payer.insecure_clone();
    let args = SettleArgs {
        cumulative: 4 * USDC,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&p, &ch, args.cumulative, args.expiry);
    let payee = f.payee.insecure_clone();
    let ixs = ix::channels::settle_and_close(&ch, &c, &model, &f.payees(), &f.payer_usdc, Some((args, sig)));
    let out = f.w.h.send(&ixs, &[&payee]).await.expect("settle_and_close");
    let settled: ChannelSettled = out.event();
    assert_eq!(
        (settled.amount, settled.settled, settled.remaining),
        (3 * USDC, 4 * USDC, 6 * USDC)
    );
    let (t, m, [p1, p2], y) = expected_split(3 * USDC);
    assert_eq!(
        (
            settled.to_treasury,
            settled.to_model_split,
            settled.to_parents.clone(),
            settled.to_payee
        ),
        (t, m, vec![p1, p2], y)
    );
    let closed: ChannelClosed = out.event();
    assert_eq!(
        (closed.settled, closed.refund, closed.surplus, closed.by),
        (4 * USDC, 6 * USDC, 0, payee.pubkey())
    );
    let b1 = f.balances(&ch).await;
    assert_eq!((b1.payer - b0.payer, b1.payee - b0.payee, b1.vault), (6 * USDC, y, 0));
    Fx::assert_conserved(&b0, &b1);
    assert!(f.w.h.account(&ch).await.is_none());
    assert!(f.w.h.account(&pda::channel_vault(&ch)).await.is_none());
}

#[tokio::test]
async fn the_payee_closes_without_a_voucher_even_during_a_requested_close() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.request_close(&ch).await.unwrap();
    let c = f.channel(&ch).await;
    let model = f.model_asset().await;
    let payee = f.payee.insecure_clone();
    let ixs = ix::channels::settle_and_close(&ch, &c, &model, &f.payees(), &f.payer_usdc, None);
    assert_eq!(ixs.len(), 1);
    let b0 = f.balances(&ch).await;
    let out = f.w.h.send(&ixs, &[&payee]).await.expect("close at once");
    let closed: ChannelClosed = out.event();
    assert_eq!((closed.settled, closed.refund), (0, DEPOSIT));
    assert!(out.events::<ChannelSettled>().is_empty());
    let b1 = f.balances(&ch).await;
    assert_eq!(b1.payer - b0.payer, DEPOSIT);
    Fx::assert_conserved(&b0, &b1);
}

#[tokio::test]
async fn only_the_payee_settles_and_closes_and_its_voucher_is_checked() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let mut c = f.channel(&ch).await;
    let model = f.model_asset().await;
    let p = f.payer.insecure_clone();
    let stranger = f.w.keypair().await;
    for who in [p.insecure_clone(), stranger] {
        let mut c2 = c.clone();
        c2.payee = who.pubkey();
        let ixs = ix::channels::settle_and_close(&ch, &c2, &model, &f.payees(), &f.payer_usdc, None);
        assert_err(f.w.h.send(&ixs, &[&who]).await, ChannelsError::NotPayee);
    }
    // The final voucher goes through the same checks as `settle`.
    let payee = f.payee.insecure_clone();
    let args = SettleArgs {
        cumulative: DEPOSIT + 1,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&p, &ch, args.cumulative, args.expiry);
    let ixs = ix::channels::settle_and_close(&ch, &c, &model, &f.payees(), &f.payer_usdc, Some((args, sig)));
    assert_err(f.w.h.send(&ixs, &[&payee]).await, ChannelsError::VoucherAboveDeposit);
    let args = SettleArgs {
        cumulative: USDC,
        expiry: 0,
    };
    let forged = ix::channels::sign_voucher(&payee, &ch, args.cumulative, args.expiry);
    c.authorized_signer = payee.pubkey();
    let ixs = ix::channels::settle_and_close(&ch, &c, &model, &f.payees(), &f.payer_usdc, Some((args, forged)));
    assert_err(f.w.h.send(&ixs, &[&payee]).await, ChannelsError::VoucherSignerMismatch);
    assert_eq!(f.channel(&ch).await.settled, 0);
}
