//! Security audit of `tessera-channels` (issue 15): attacks on the voucher and its Ed25519
//! check that the per-instruction modules do not already cover. Each test names the finding of
//! the audit report it demonstrates (A1, …) or the attack it shows refused.

use tessera_client::{channels::errors::ChannelsError, ix};
use tessera_program_tests::{assert_err, TestSigner};

use super::*;

/// One Ed25519 instruction pays for one settle only: a second settle right after the first has
/// a settle, not the signature check, as its previous instruction; and the same pair sent again
/// (anyone can copy it from the chain) adds nothing to what was settled.
#[tokio::test]
async fn one_signature_check_pays_one_settle_once() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    let [sig, settle] = f.settle_ixs(&ch, USDC, 0, &p).await;
    assert_err(
        f.w.h.send(&[sig.clone(), settle.clone(), settle.clone()], &[]).await,
        ChannelsError::Ed25519InstructionMissing,
    );
    assert_eq!(f.channel(&ch).await.settled, 0, "the whole transaction failed");
    f.w.h.send(&[sig.clone(), settle.clone()], &[]).await.expect("settle");
    let b0 = f.balances(&ch).await;
    assert_err(
        f.w.h.send(&[sig, settle], &[]).await,
        ChannelsError::VoucherNotIncreasing,
    );
    let b1 = f.balances(&ch).await;
    assert_eq!(b0, b1, "a replayed settle moves nothing");
    assert_eq!(f.channel(&ch).await.settled, USDC);
}

/// Finding A1 (high, design): a channel's address is `[CHANNEL_SEED, payer, channel_id]` and the
/// voucher names the channel only by that address (no nonce: the Solana Foundation layout). Once
/// a channel is closed, its payer can open another one at the same id; every voucher of the old
/// channel is then valid for the new one. Those vouchers are public (every settle puts one in an
/// Ed25519 instruction on chain), and `settle` is permissionless: any stranger replays them and
/// pays the new channel's payee, up to the old cumulative amount, out of a deposit made for calls
/// never made. The fix is on chain: the program numbers a payer's channels 1, 2, 3, … (its
/// `PayerChannels` counter, never closed) and opens only the next id, so that an address is never
/// used twice; this test passes when either the reopening or the replay is refused.
#[tokio::test]
async fn a_reopened_channel_id_does_not_take_the_old_channels_vouchers() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    // The payee settles 4 USDC of calls: the pair is now public.
    let old = f.settle_ixs(&ch, 4 * USDC, 0, &p).await;
    f.w.h.send(&old, &[]).await.expect("settle");
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    f.finalize(&ch).await.expect("finalize");
    assert!(f.w.h.account(&ch).await.is_none());

    // The payer opens a channel again with the same id: the same address.
    let signer = f.payer.pubkey();
    let again = match f.open_with(Fx::open_args(1, DEPOSIT, signer, GRACE)).await {
        Ok(again) => again,
        Err(e) => {
            // Refused: an address is never used twice, the old vouchers name nothing.
            assert_err(Err(e), ChannelsError::ChannelIdNotNext);
            return;
        }
    };
    assert_eq!(again, ch);
    let b0 = f.balances(&ch).await;
    // A stranger (the harness's fee payer) sends the old pair again, unchanged.
    let replay = f.w.h.send(&old, &[]).await;
    let b1 = f.balances(&ch).await;
    assert!(
        replay.is_err(),
        "an old voucher settled again on the reopened channel: the payer lost {} base units ({b0:?} -> {b1:?})",
        b0.payer + b0.vault - b1.payer - b1.vault
    );
    assert_eq!(f.channel(&ch).await.settled, 0);
}

/// The payee's part and the treasury's go only to accounts of the channel's payee and of the
/// config's treasury, even when a stranger settles: a stranger who settles into its own
/// accounts is refused (the harness's fee payer sends: settling needs no signature).
#[tokio::test]
async fn a_stranger_who_settles_cannot_redirect_the_payout() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    let c = f.channel(&ch).await;
    let model = f.model_asset().await;
    let stranger = f.w.keypair().await;
    let usdc = f.w.usdc;
    let own = f.w.h.ata(&stranger.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let args = tessera_client::channels::payout::SettleArgs {
        cumulative: USDC,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&p, &ch, args.cumulative, args.expiry);
    let mut to_me = f.payees();
    to_me.payee_token_account = own;
    let ixs = ix::channels::settle(&ch, &c, &model, &to_me, args, &sig);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::WrongTokenAccountOwner);
    let mut to_me = f.payees();
    to_me.treasury_token_account = own;
    let ixs = ix::channels::settle(&ch, &c, &model, &to_me, args, &sig);
    assert_err(f.w.h.send(&ixs, &[]).await, ChannelsError::TreasuryMismatch);
    assert_eq!(f.channel(&ch).await.settled, 0);
}
