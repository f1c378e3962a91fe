//! `sync`: tokens sent straight to a split's vault break nothing, and are credited to the
//! split's pool exactly as a deposit of that amount would be.

use tessera_client::{
    ix, pda,
    royalties::{
        errors::RoyaltiesError,
        events::{Deposited, Synced},
        instructions::UpdateSplitArgs,
        state::Split,
    },
    TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    assert_err, substitute,
    token2022::{harvest_ix, transfer_fee, withheld_in_account},
    world::*,
    TestKeypair, TestSigner,
};

use super::{claim, deposit, split_over, standalone_split, stray, sync_split, vault};

/// Issue 14 (stray tokens): a stranger sends 77 units straight to a split's vault. Every
/// instruction keeps working with exact amounts (the stray units are ignored until synced),
/// then `sync` credits exactly those 77.
#[tokio::test]
async fn stray_tokens_break_no_instruction() {
    let mut w = World::new(0).await;
    let (auth, a, b, c) = (
        w.keypair().await,
        w.keypair().await,
        w.keypair().await,
        w.keypair().await,
    );
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 6_000), (b.pubkey(), 4_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let usdc = w.usdc;
    stray(&mut w, &split, &usdc, &TOKEN_PROGRAM_ID, 77).await;
    assert_eq!(vault(&mut w, &split).await, 1_077);

    // deposit: credits what it moved, not the stray units.
    let out = deposit(&mut w, &split, 100).await.unwrap();
    let ev: Deposited = out.event();
    assert_eq!((ev.received, ev.total_received), (100, 1_100));
    // claim and claim_for: exact shares of what was deposited.
    let (res, got_a) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got_a, 660);
    let payer = w.h.payer();
    let ix = ix::royalties::claim_for(&payer, &b.pubkey(), &split, &usdc, &TOKEN_PROGRAM_ID);
    w.h.send(&[ix], &[]).await.unwrap();
    assert_eq!(w.h.balance(&pda::ata(&b.pubkey(), &usdc, &TOKEN_PROGRAM_ID)).await, 440);
    assert_eq!(vault(&mut w, &split).await, 77, "only the stray units are left");

    // sync: the 77 units join the current pool (a 60 %, b 40 %: 46 + 30, 1 unit of dust).
    let out = sync_split(&mut w, &split).await.unwrap();
    let ev: Synced = out.event();
    assert_eq!((ev.split, ev.amount, ev.total_received), (split, 77, 1_177));
    // update_split: b replaced by c; nothing left to credit first (no Synced event).
    let ix = ix::royalties::update_split(
        &auth.pubkey(),
        &split,
        0,
        UpdateSplitArgs {
            recipients: recipients(&[(a.pubkey(), 5_000), (c.pubkey(), 5_000)]),
        },
    );
    let out = w.h.send(&[ix], &[&auth]).await.unwrap();
    assert!(out.events::<Synced>().is_empty());
    let (res, got_a) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got_a, 46, "floor(1,177 × 60 %) − 660");
    let ix = ix::royalties::claim_for(&payer, &b.pubkey(), &split, &usdc, &TOKEN_PROGRAM_ID);
    w.h.send(&[ix], &[]).await.unwrap();
    assert_eq!(
        w.h.balance(&pda::ata(&b.pubkey(), &usdc, &TOKEN_PROGRAM_ID)).await,
        440 + 30
    );
    let (res, _) = claim(&mut w, &c, &split).await;
    assert_err(res, RoyaltiesError::NothingToClaim);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.total_received, s.total_claimed), (1_177, 1_176));
    assert_eq!(vault(&mut w, &split).await, 1, "the dust, carried into a and c's epoch");
    assert_eq!(u128::from(vault(&mut w, &split).await), s.held().unwrap());
}

/// `sync` credits exactly what a deposit of the same amount would: two splits with the same
/// recipients, one paid 10 units by `deposit`, the other by a plain transfer and `sync`, end in
/// the same accounting (same owed amounts, same rounding dust).
#[tokio::test]
async fn sync_credits_the_surplus_exactly_as_a_deposit_would() {
    let mut w = World::new(0).await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let shares = [(a.pubkey(), 3_333), (b.pubkey(), 3_333), (c.pubkey(), 3_334)];
    let (_, deposited) = standalone_split(&mut w, &a.pubkey(), &shares).await;
    let (_, synced) = standalone_split(&mut w, &a.pubkey(), &shares).await;
    deposit(&mut w, &deposited, 1_000).await.unwrap();
    deposit(&mut w, &synced, 1_000).await.unwrap();
    deposit(&mut w, &deposited, 10).await.unwrap();
    let usdc = w.usdc;
    stray(&mut w, &synced, &usdc, &TOKEN_PROGRAM_ID, 10).await;
    let ev: Synced = sync_split(&mut w, &synced).await.unwrap().event();
    assert_eq!(ev.amount, 10);
    let (d, s): (Split, Split) = (w.h.fetch(&deposited).await.unwrap(), w.h.fetch(&synced).await.unwrap());
    assert_eq!((d.total_received, d.epoch_start), (s.total_received, s.epoch_start));
    for r in [&a, &b, &c] {
        assert_eq!(d.owed(&r.pubkey()).unwrap(), s.owed(&r.pubkey()).unwrap());
    }
    assert_eq!(s.owed(&a.pubkey()).unwrap(), 336, "floor(1,010 × 33.33 %)");
    // Each recipient claims its bps share of the synced units.
    for (r, expected) in [(&a, 336), (&b, 336), (&c, 336)] {
        let (res, got) = claim(&mut w, r, &synced).await;
        res.unwrap();
        assert_eq!(got, expected);
    }
    assert_eq!(vault(&mut w, &synced).await, 2, "the same dust as a deposit leaves");
}

/// A second sync with nothing new credits nothing (and does not refuse); so does a sync of a
/// split that never received stray tokens. Claims in between do not count as surplus.
#[tokio::test]
async fn a_second_sync_credits_nothing() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!((ev.amount, ev.total_received), (0, 0));
    deposit(&mut w, &split, 500).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 500);
    let usdc = w.usdc;
    stray(&mut w, &split, &usdc, &TOKEN_PROGRAM_ID, 250).await;
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!((ev.amount, ev.total_received), (250, 750));
    w.h.refresh_blockhash().await;
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!((ev.amount, ev.total_received), (0, 750));
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 250);
    let (res, _) = claim(&mut w, &a, &split).await;
    assert_err(res, RoyaltiesError::NothingToClaim);
}

/// Token-2022 transfer-fee mint (1 %, capped at 1,000,000): a plain transfer of 10,000 lands as
/// 9,900 in the vault (`amount` is net; the 100 fee is withheld in the vault's extension, not
/// part of `amount`), and `sync` credits exactly 9,900. Harvesting the withheld fee to the mint
/// changes nothing the split owns: a later sync credits 0.
#[tokio::test]
async fn sync_credits_the_net_amount_in_a_transfer_fee_mint() {
    let mut w = World::new(0).await;
    let mint = w.h.create_transfer_fee_mint(6, 100, 1_000_000).await;
    let a = w.keypair().await;
    let split = split_over(
        &mut w,
        &a.pubkey(),
        &[(a.pubkey(), 10_000)],
        &mint,
        &TOKEN_2022_PROGRAM_ID,
    )
    .await;
    stray(&mut w, &split, &mint, &TOKEN_2022_PROGRAM_ID, 10_000).await;
    let fee = transfer_fee(10_000, 100, 1_000_000);
    assert_eq!(fee, 100);
    let vault_key = pda::vault(&split);
    assert_eq!(w.h.balance(&vault_key).await, 9_900);
    assert_eq!(withheld_in_account(&w.h.account(&vault_key).await.unwrap().data), 100);
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!((ev.amount, ev.total_received), (9_900, 9_900));
    w.h.send(&[harvest_ix(&mint, &[&vault_key])], &[]).await.unwrap();
    assert_eq!(withheld_in_account(&w.h.account(&vault_key).await.unwrap().data), 0);
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!(ev.amount, 0);
    // The recipient claims all 9,900 (and receives them net of the claim's own transfer fee).
    let dest = w.h.ata(&a.pubkey(), &mint, &TOKEN_2022_PROGRAM_ID).await;
    let ix = ix::royalties::claim(&a.pubkey(), &split, &mint, &dest, &TOKEN_2022_PROGRAM_ID);
    let ev: tessera_client::royalties::events::Claimed = w.h.send(&[ix], &[&a]).await.unwrap().event();
    assert_eq!(ev.amount, 9_900);
    assert_eq!(w.h.balance(&dest).await, 9_900 - transfer_fee(9_900, 100, 1_000_000));
    assert_eq!(w.h.balance(&vault_key).await, 0);
}

/// `sync` only reads the split's own vault.
#[tokio::test]
async fn refuses_another_splits_vault() {
    let mut w = World::new(0).await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &a, &[(a, 10_000)]).await;
    let (_, other) = standalone_split(&mut w, &a, &[(a, 10_000)]).await;
    deposit(&mut w, &other, 900).await.unwrap();
    let mut ix = ix::royalties::sync(&split);
    substitute(&mut ix, &pda::vault(&split), &pda::vault(&other));
    assert_err(w.h.send(&[ix], &[]).await, RoyaltiesError::VaultMismatch);
    // A token account that is not a vault at all (a wallet's USDC account).
    let (_, wallet_usdc) = w.buyer(5).await;
    let mut ix = ix::royalties::sync(&split);
    substitute(&mut ix, &pda::vault(&split), &wallet_usdc);
    assert_err(w.h.send(&[ix], &[]).await, RoyaltiesError::VaultMismatch);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.total_received, 0);
}
