//! `settle`: anyone settles a voucher signed by the channel's authorized signer; what it adds to
//! the settled total is paid by the lineage rule (protocol fee, parents' splits, model split,
//! payee). Each refusal of the voucher and of the payees, with its exact error.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelSettled},
    pda,
    royalties::events::Deposited,
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, TestSigner};

use super::*;

#[tokio::test]
async fn a_voucher_pays_the_treasury_the_lineage_and_the_payee() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let b0 = f.balances(&ch).await;
    let amount = 1_234_567;
    let out = f.settle(&ch, amount).await.expect("settle");
    let (t, m, [p1, p2], y) = expected_split(amount);
    // 12,345 fee; royalty 246,913: parents 74,073 and 24,691, model split 148,149; payee 975,309.
    assert_eq!((t, m, p1, p2, y), (12_345, 148_149, 74_073, 24_691, 975_309));
    let ev: ChannelSettled = out.event();
    assert_eq!(
        (ev.channel, ev.cumulative, ev.amount, ev.settled, ev.remaining),
        (ch, amount, amount, amount, DEPOSIT - amount)
    );
    assert_eq!(
        (ev.to_treasury, ev.to_model_split, ev.to_parents.clone(), ev.to_payee),
        (t, m, vec![p1, p2], y)
    );
    // The splits were credited through the royalties program's `deposit` (parents first).
    let deposits: Vec<(Pubkey, u64)> = out
        .events::<Deposited>()
        .iter()
        .map(|d| (d.split, d.received))
        .collect();
    let [d1, d2] = f.parents;
    assert_eq!(
        deposits,
        vec![(pda::split(&d1), p1), (pda::split(&d2), p2), (pda::split(&f.model), m)]
    );
    let b1 = f.balances(&ch).await;
    assert_eq!(
        (
            b1.treasury - b0.treasury,
            b1.model_split - b0.model_split,
            b1.payee - b0.payee
        ),
        (t, m, y)
    );
    assert_eq!([b1.parents[0] - b0.parents[0], b1.parents[1] - b0.parents[1]], [p1, p2]);
    assert_eq!(b0.vault - b1.vault, amount);
    Fx::assert_conserved(&b0, &b1);
    assert_eq!(f.channel(&ch).await.settled, amount);

    // A later voucher pays only what it adds.
    let out = f.settle(&ch, 2_000_000).await.expect("second settle");
    let ev: ChannelSettled = out.event();
    assert_eq!(
        (ev.amount, ev.settled, ev.remaining),
        (765_433, 2_000_000, DEPOSIT - 2_000_000)
    );
    let b2 = f.balances(&ch).await;
    assert_eq!(b0.vault - b2.vault, 2_000_000);
    Fx::assert_conserved(&b0, &b2);
    // The whole deposit can be settled.
    f.settle(&ch, DEPOSIT).await.expect("settle the whole deposit");
    assert_eq!(f.w.h.balance(&pda::channel_vault(&ch)).await, 0);
    Fx::assert_conserved(&b0, &f.balances(&ch).await);
}

#[tokio::test]
async fn a_session_key_signs_and_several_settles_fit_in_one_transaction() {
    let mut f = fixture().await;
    let session = f.w.keypair().await;
    let s = session.pubkey();
    let a = f.open_with(Fx::open_args(1, DEPOSIT, s, GRACE)).await.unwrap();
    let b = f.open_with(Fx::open_args(2, DEPOSIT, s, GRACE)).await.unwrap();
    let mut ixs = f.settle_ixs(&a, 100_000, 0, &session).await.to_vec();
    ixs.extend(f.settle_ixs(&b, 300_000, 0, &session).await);
    // And the same channel twice, the second voucher higher.
    ixs.extend(f.settle_ixs(&a, 500_000, 0, &session).await);
    let out = f.w.h.send(&ixs, &[]).await.expect("[ed25519, settle] × 3");
    let evs: Vec<(Pubkey, u64, u64)> = out
        .events::<ChannelSettled>()
        .iter()
        .map(|e| (e.channel, e.amount, e.settled))
        .collect();
    assert_eq!(
        evs,
        vec![(a, 100_000, 100_000), (b, 300_000, 300_000), (a, 400_000, 500_000)]
    );
    assert_eq!(
        (f.channel(&a).await.settled, f.channel(&b).await.settled),
        (500_000, 300_000)
    );
    // The payer's own key is not the authorized signer here.
    let p = f.payer.insecure_clone();
    let ixs = f.settle_ixs(&a, 600_000, 0, &p).await;
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::VoucherSignerMismatch);
}

#[tokio::test]
async fn a_lower_or_equal_cumulative_is_refused() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.settle(&ch, 500).await.unwrap();
    for cumulative in [499, 500] {
        assert_err(f.settle(&ch, cumulative).await, ChannelsError::VoucherNotIncreasing);
    }
    // The same voucher twice in one transaction: the second is a replay.
    let p = f.payer.insecure_clone();
    let mut ixs = f.settle_ixs(&ch, 600, 0, &p).await.to_vec();
    ixs.extend(f.settle_ixs(&ch, 600, 0, &p).await);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::VoucherNotIncreasing);
    assert_eq!(f.channel(&ch).await.settled, 500);
}

#[tokio::test]
async fn a_cumulative_above_the_deposit_is_refused() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    assert_err(f.settle(&ch, DEPOSIT + 1).await, ChannelsError::VoucherAboveDeposit);
}

#[tokio::test]
async fn an_expired_voucher_is_refused() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    let ixs = f.settle_ixs(&ch, 1_000, T + 10, &p).await;
    f.w.h.set_time(T + 11).await;
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::VoucherExpired);
    // Up to and including its expiry it settles.
    f.w.h.set_time(T + 10).await;
    f.w.h.send(&ixs, &[]).await.expect("at the expiry");
}

#[tokio::test]
async fn a_voucher_of_another_signer_or_channel_is_refused() {
    let mut f = fixture().await;
    let a = f.open(1, DEPOSIT).await;
    let b = f.open(2, DEPOSIT).await;
    let stranger = f.w.keypair().await;
    let ixs = f.settle_ixs(&a, 1_000, 0, &stranger).await;
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::VoucherSignerMismatch);
    // A genuine voucher of channel `b` presented for channel `a` (same signer, same amount).
    let p = f.payer.insecure_clone();
    let [sig_b, _] = f.settle_ixs(&b, 1_000, 0, &p).await;
    let [_, settle_a] = f.settle_ixs(&a, 1_000, 0, &p).await;
    assert_err(
        f.w.h.send(&[sig_b, settle_a], &[]).await,
        ChannelsError::VoucherMessageMismatch,
    );
    // Another amount or expiry than signed.
    let [sig, _] = f.settle_ixs(&a, 1_000, 0, &p).await;
    let [_, more] = f.settle_ixs(&a, 2_000, 0, &p).await;
    assert_err(
        f.w.h.send(&[sig.clone(), more], &[]).await,
        ChannelsError::VoucherMessageMismatch,
    );
    let [_, later] = f.settle_ixs(&a, 1_000, T + 100, &p).await;
    assert_err(
        f.w.h.send(&[sig, later], &[]).await,
        ChannelsError::VoucherMessageMismatch,
    );
}

#[tokio::test]
async fn the_payees_are_the_channels() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    let stranger = f.w.keypair().await;
    let usdc = f.w.usdc;
    let theirs = f.w.h.ata(&stranger.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    // The payee part to another owner's account.
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    substitute(&mut ixs[1], &f.payee_usdc, &theirs);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::WrongTokenAccountOwner);
    // The fee to an account that is not the treasury's.
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    substitute(&mut ixs[1], &f.w.treasury_usdc, &theirs);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::TreasuryMismatch);
    // Another split for the model's.
    let [d1, _] = f.parents;
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    let m = f.model;
    substitute(&mut ixs[1], &pda::split(&m), &pda::split(&d1));
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::SplitMismatch);
    // A parent's split substituted (the second parent's pair in the first's place).
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    let n = ixs[1].accounts.len();
    ixs[1].accounts.swap(n - 4, n - 2);
    ixs[1].accounts.swap(n - 3, n - 1);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::SplitMismatch);
    // A parent's split replaced by the model's own (its vault alongside).
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    ixs[1].accounts[n - 2].pubkey = pda::split(&m);
    ixs[1].accounts[n - 1].pubkey = pda::vault(&pda::split(&m));
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::SplitMismatch);
    // The parents' accounts left out.
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    ixs[1].accounts.truncate(n - 2);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::ParentAccountsMismatch);
    // Another mint's vault for the channel's (the vault address is the channel's).
    let mut ixs = f.settle_ixs(&ch, 1_000, 0, &p).await;
    let b = f.open(2, DEPOSIT).await;
    substitute(&mut ixs[1], &pda::channel_vault(&ch), &pda::channel_vault(&b));
    assert_err(
        f.w.h.send(&ixs, &[]).await,
        anchor_lang::error::ErrorCode::ConstraintAddress,
    );
    f.settle(&ch, 1_000).await.expect("the right accounts");
}

#[tokio::test]
async fn settling_in_the_grace_works_and_after_it_is_refused() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE) - 1).await;
    f.settle(&ch, 1_000).await.expect("within the grace");
    f.w.h.set_time(T + i64::from(GRACE)).await;
    assert_err(f.settle(&ch, 2_000).await, ChannelsError::CloseGraceOver);
}
