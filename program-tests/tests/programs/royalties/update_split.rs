use tessera_client::{
    ix,
    royalties::{errors::RoyaltiesError, events::SplitUpdated, instructions::UpdateSplitArgs, state::Split},
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner};

use super::{claim, deposit, standalone_split, vault};

fn update(auth: &TestKeypair, split: &tessera_client::Pubkey, shares: &[(tessera_client::Pubkey, u16)]) -> tessera_client::Instruction {
    ix::royalties::update_split(
        &auth.pubkey(),
        split,
        UpdateSplitArgs { recipients: recipients(shares), new_authority: None },
    )
}

#[tokio::test]
async fn preserves_accruals_and_a_removed_recipient_keeps_only_what_it_earned() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 5_000), (b.pubkey(), 5_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();

    // b is replaced by c.
    let out = w.h.send(&[update(&auth, &split, &[(a.pubkey(), 5_000), (c.pubkey(), 5_000)])], &[&auth]).await.unwrap();
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
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 3_333), (b.pubkey(), 3_333), (c.pubkey(), 3_334)]).await;
    deposit(&mut w, &split, 10).await.unwrap();
    let mut paid = 0;
    for r in [&a, &b, &c] {
        let (res, got) = claim(&mut w, r, &split).await;
        res.unwrap();
        assert_eq!(got, 3);
        paid += got;
    }
    assert_eq!(vault(&mut w, &split).await, 1, "one unit of dust");
    w.h.send(&[update(&auth, &split, &[(a.pubkey(), 10_000)])], &[&auth]).await.unwrap();
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
    assert_err(w.h.send(&[update(&x, &split, &[(x.pubkey(), 10_000)])], &[&x]).await, RoyaltiesError::NotSplitAuthority);
    assert_err(w.h.send(&[update(&auth, &split, &[(a, 9_000)])], &[&auth]).await, RoyaltiesError::SharesDoNotSumTo10000);
    assert_err(w.h.send(&[update(&auth, &split, &[(a, 5_000), (a, 5_000)])], &[&auth]).await, RoyaltiesError::DuplicateRecipient);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.version, 0);
}

#[tokio::test]
async fn hands_over_the_authority() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let next = w.keypair().await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    let ix = ix::royalties::update_split(
        &auth.pubkey(),
        &split,
        UpdateSplitArgs { recipients: recipients(&[(a, 10_000)]), new_authority: Some(next.pubkey()) },
    );
    w.h.send(&[ix], &[&auth]).await.unwrap();
    assert_err(w.h.send(&[update(&auth, &split, &[(a, 10_000)])], &[&auth]).await, RoyaltiesError::NotSplitAuthority);
    w.h.send(&[update(&next, &split, &[(a, 10_000)])], &[&next]).await.unwrap();
}

#[tokio::test]
async fn refuses_to_grow_past_the_entry_limit() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let first: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let second: Vec<_> = (0..16).map(|_| (TestKeypair::new().pubkey(), 625u16)).collect();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &first).await;
    deposit(&mut w, &split, 16_000).await.unwrap();
    // 16 removed recipients with balances + 16 new ones = 32 entries > 24.
    assert_err(w.h.send(&[update(&auth, &split, &second)], &[&auth]).await, RoyaltiesError::SplitFull);
    // Without balances the old entries are dropped and the update fits.
    let (_, fresh) = standalone_split(&mut w, &auth.pubkey(), &first).await;
    w.h.send(&[update(&auth, &fresh, &second)], &[&auth]).await.unwrap();
    let s: Split = w.h.fetch(&fresh).await.unwrap();
    assert_eq!(s.entries.len(), 16);
}
