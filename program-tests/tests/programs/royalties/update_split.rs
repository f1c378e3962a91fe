use anchor_lang::prelude::Pubkey;
use tessera_client::{
    ix, pda,
    royalties::{
        errors::RoyaltiesError,
        events::{BalancesParked, SplitUpdated},
        instructions::UpdateSplitArgs,
        state::{Parked, ParkedBalance, Split},
    },
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner, TxResult};

use super::{claim, deposit, standalone_split, vault};

/// `update_split` by `auth` (the split's version read first, for the `Parked` record address).
pub(super) async fn update(w: &mut World, auth: &TestKeypair, split: &Pubkey, shares: &[(Pubkey, u16)]) -> TxResult {
    let version = w.h.fetch::<Split>(split).await.unwrap().version;
    let ix = ix::royalties::update_split(
        &auth.pubkey(),
        split,
        version,
        UpdateSplitArgs {
            recipients: recipients(shares),
        },
    );
    w.h.send(&[ix], &[auth]).await
}

#[tokio::test]
async fn preserves_accruals_and_a_removed_recipient_keeps_only_what_it_earned() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 5_000), (b.pubkey(), 5_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();

    // b is replaced by c.
    let out = update(&mut w, &auth, &split, &[(a.pubkey(), 5_000), (c.pubkey(), 5_000)])
        .await
        .unwrap();
    let ev: SplitUpdated = out.event();
    assert_eq!(ev.version, 1);
    deposit(&mut w, &split, 2_000).await.unwrap();

    let (res, got_b) = claim(&mut w, &b, &split).await;
    res.unwrap();
    assert_eq!(got_b, 500, "b earned half of the first deposit only");
    let (res, got_a) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got_a, 500 + 1_000);
    let (res, got_c) = claim(&mut w, &c, &split).await;
    res.unwrap();
    assert_eq!(got_c, 1_000, "c earns from after it joined");
    assert_eq!(vault(&mut w, &split).await, 0);
    // b is gone once paid.
    let (res, _) = claim(&mut w, &b, &split).await;
    assert_err(res, RoyaltiesError::NotARecipient);
}

#[tokio::test]
async fn dust_is_carried_into_the_next_epoch_not_lost() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let (_, split) = standalone_split(
        &mut w,
        &auth.pubkey(),
        &[(a.pubkey(), 3_333), (b.pubkey(), 3_333), (c.pubkey(), 3_334)],
    )
    .await;
    deposit(&mut w, &split, 10).await.unwrap();
    let mut paid = 0;
    for r in [&a, &b, &c] {
        let (res, got) = claim(&mut w, r, &split).await;
        res.unwrap();
        assert_eq!(got, 3);
        paid += got;
    }
    assert_eq!(vault(&mut w, &split).await, 1, "one unit of dust");
    update(&mut w, &auth, &split, &[(a.pubkey(), 10_000)]).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 1, "the dust went to the next epoch's recipients");
    assert_eq!(paid + got, 10);
    assert_eq!(vault(&mut w, &split).await, 0);
}

#[tokio::test]
async fn refuses_a_non_authority_and_invalid_shares() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    let x = w.keypair().await;
    assert_err(
        update(&mut w, &x, &split, &[(x.pubkey(), 10_000)]).await,
        RoyaltiesError::NotSplitAuthority,
    );
    assert_err(
        update(&mut w, &auth, &split, &[(a, 9_000)]).await,
        RoyaltiesError::SharesDoNotSumTo10000,
    );
    assert_err(
        update(&mut w, &auth, &split, &[(a, 5_000), (a, 5_000)]).await,
        RoyaltiesError::DuplicateRecipient,
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.version, 0);
}

/// `update_split` no longer carries a new authority: the authority moves only in two steps
/// (see `authority.rs`). An update leaves the authority and any pending proposal as they were.
#[tokio::test]
async fn an_update_leaves_the_authority_alone() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let next = w.keypair().await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    let ix = ix::royalties::propose_split_authority(&auth.pubkey(), &split, Some(next.pubkey()));
    w.h.send(&[ix], &[&auth]).await.unwrap();
    update(&mut w, &auth, &split, &[(a, 10_000)]).await.unwrap();
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(
        (s.authority, s.pending_authority, s.version),
        (auth.pubkey(), Some(next.pubkey()), 1)
    );
    assert_err(
        update(&mut w, &next, &split, &[(a, 10_000)]).await,
        RoyaltiesError::NotSplitAuthority,
    );
}

/// Sixteen recipients, each owed 1,000, that will never claim.
async fn split_of_sixteen_that_never_claim(w: &mut World, auth: &TestKeypair) -> (Pubkey, Vec<(Pubkey, u16)>) {
    let first: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let (res, split) = standalone_split(w, &auth.pubkey(), &first).await;
    res.unwrap();
    deposit(w, &split, 16_000).await.unwrap();
    (split, first)
}

/// Issue 14 (a removed recipient that never claims fills the bounded list): 16 recipients that
/// never claim are replaced by 16 others. Today's code refused with `SplitFull` (16 removed
/// entries with balances + 16 new > 24), and an adversary could keep it refusing (16 units
/// deposited before each attempt give every soon-removed recipient a balance again). Now the
/// update parks the removed balances in a `Parked` record and goes through, again and again.
#[tokio::test]
async fn recipients_that_never_claim_cannot_block_an_update() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (split, first) = split_of_sixteen_that_never_claim(&mut w, &auth).await;
    let second: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let rent_before = w.h.lamports(&auth.pubkey()).await;

    let out = update(&mut w, &auth, &split, &second).await.unwrap();
    let parked_key = pda::parked(&split, 0);
    let ev: BalancesParked = out.event();
    assert_eq!((ev.split, ev.parked, ev.version), (split, parked_key, 0));
    let expected: Vec<ParkedBalance> = first
        .iter()
        .map(|(k, _)| ParkedBalance {
            address: *k,
            owed: 1_000,
        })
        .collect();
    assert_eq!(ev.balances, expected);
    let parked: Parked = w.h.fetch(&parked_key).await.unwrap();
    assert_eq!(
        (parked.split, parked.version, parked.rent_payer, parked.balances),
        (split, 0, auth.pubkey(), expected)
    );
    assert_eq!(w.h.account(&parked_key).await.unwrap().data.len(), Parked::space(16));
    assert!(
        w.h.lamports(&auth.pubkey()).await < rent_before,
        "the authority paid the record's rent"
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.active_recipients(), recipients(&second));
    assert_eq!(s.entries.len(), 16, "only the active recipients are left in the split");
    assert_eq!(s.version, 1);
    // The removed recipients are owed nothing by the split itself any more; their money waits
    // in the record (and in the vault, counted in what the split holds).
    assert_eq!(s.owed(&first[0].0).unwrap(), 0);
    assert_eq!(s.held().unwrap(), 16_000);
    assert_eq!(vault(&mut w, &split).await, 16_000);

    // The adversary tops the new recipients up too; the authority replaces them as well.
    deposit(&mut w, &split, 16_000).await.unwrap();
    let third: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    update(&mut w, &auth, &split, &third).await.unwrap();
    let parked1: Parked = w.h.fetch(&pda::parked(&split, 1)).await.unwrap();
    assert_eq!(parked1.balances.len(), 16);
    assert!(parked1.balances.iter().all(|b| b.owed == 1_000));
    // And, after a deposit, back to a single recipient: the third list's 16 balances and the
    // new recipient fit in the split (17 entries), so nothing is parked.
    deposit(&mut w, &split, 16_000).await.unwrap();
    let only = TestKeypair::new().pubkey();
    update(&mut w, &auth, &split, &[(only, 10_000)]).await.unwrap();
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.version, 3);
    assert_eq!(s.entries.len(), 1 + 16);
    assert_eq!(s.owed(&third[0].0).unwrap(), 1_000);
    assert!(w.h.account(&pda::parked(&split, 2)).await.is_none());
}

/// Without parking, a removed recipient keeps its entry (and claims through `claim`), as long
/// as the split has room; a recipient that had nothing to claim leaves no entry.
#[tokio::test]
async fn removed_recipients_keep_their_entry_while_there_is_room() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let first: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let second: Vec<_> = (0..8).map(|_| (TestKeypair::new().pubkey(), 1_250u16)).collect();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &first).await;
    deposit(&mut w, &split, 16_000).await.unwrap();
    // 16 removed with balances + 8 new = 24: fits.
    update(&mut w, &auth, &split, &second).await.unwrap();
    assert!(w.h.account(&pda::parked(&split, 0)).await.is_none());
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.entries.len(), 24);
    assert_eq!(s.owed(&first[3].0).unwrap(), 1_000);
    // Without balances the old entries are dropped.
    let (_, fresh) = standalone_split(&mut w, &auth.pubkey(), &first).await;
    let second16: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    update(&mut w, &auth, &fresh, &second16).await.unwrap();
    let s: Split = w.h.fetch(&fresh).await.unwrap();
    assert_eq!(s.entries.len(), 16);
    assert!(w.h.account(&pda::parked(&fresh, 0)).await.is_none());
}

/// The `Parked` record's address may be pre-funded by a stranger: the update still creates it.
#[tokio::test]
async fn parks_into_a_record_address_a_stranger_pre_funded() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (split, _) = split_of_sixteen_that_never_claim(&mut w, &auth).await;
    let stranger = w.keypair().await;
    let parked_key = pda::parked(&split, 0);
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), &parked_key, 3_000_000);
    w.h.send(&[ix], &[&stranger]).await.unwrap();
    let second: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    update(&mut w, &auth, &split, &second).await.unwrap();
    let parked: Parked = w.h.fetch(&parked_key).await.unwrap();
    assert_eq!(parked.balances.len(), 16);
}

/// The `parked` account must be the record of the split's current version.
#[tokio::test]
async fn refuses_a_parked_record_of_another_version() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (split, _) = split_of_sixteen_that_never_claim(&mut w, &auth).await;
    let second: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let ix = ix::royalties::update_split(
        &auth.pubkey(),
        &split,
        7,
        UpdateSplitArgs {
            recipients: recipients(&second),
        },
    );
    assert_err(
        w.h.send(&[ix], &[&auth]).await,
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    );
    assert_eq!(w.h.fetch::<Split>(&split).await.unwrap().version, 0);
}

/// Audit finding R1: royalties paid by a plain transfer while `a` was the sole recipient stay
/// with `a` across an update that replaces it, whoever syncs and whenever: the update credits
/// the vault's uncredited 1,000 to the closing epoch first (a `Synced` event in its own
/// transaction). Before the fix the update ignored them and a later sync gave them to `b`.
#[tokio::test]
async fn an_update_first_credits_tokens_sent_straight_to_the_vault() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (a, b) = (TestKeypair::new().pubkey(), TestKeypair::new().pubkey());
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    let usdc = w.usdc;
    super::stray(&mut w, &split, &usdc, &tessera_client::TOKEN_PROGRAM_ID, 1_000).await;
    let out = update(&mut w, &auth, &split, &[(b, 10_000)]).await.unwrap();
    let synced: tessera_client::royalties::events::Synced = out.event();
    assert_eq!(
        (synced.split, synced.amount, synced.total_received),
        (split, 1_000, 1_500)
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.owed(&a).unwrap(), s.owed(&b).unwrap()), (1_500, 0));
    // Nothing is left to sync; the next deposit is b's.
    let ev: tessera_client::royalties::events::Synced = super::sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!(ev.amount, 0);
    deposit(&mut w, &split, 200).await.unwrap();
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.owed(&a).unwrap(), s.owed(&b).unwrap()), (1_500, 200));
    // An update with nothing uncredited emits no Synced event.
    let out = update(&mut w, &auth, &split, &[(a, 10_000)]).await.unwrap();
    assert!(out.events::<tessera_client::royalties::events::Synced>().is_empty());
}
