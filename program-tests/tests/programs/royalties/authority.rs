//! Two-step split authority transfer: `propose_split_authority` (the current authority), then
//! `accept_split_authority` (the proposed key signs).

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    ix,
    royalties::{
        errors::RoyaltiesError,
        events::{SplitAuthorityAccepted, SplitAuthorityProposed},
        state::Split,
    },
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner, TxResult};

use super::{standalone_split, update_split::update};

async fn propose(w: &mut World, by: &TestKeypair, split: &Pubkey, next: Option<Pubkey>) -> TxResult {
    w.h.send(
        &[ix::royalties::propose_split_authority(&by.pubkey(), split, next)],
        &[by],
    )
    .await
}

async fn accept(w: &mut World, by: &TestKeypair, split: &Pubkey) -> TxResult {
    w.h.send(&[ix::royalties::accept_split_authority(&by.pubkey(), split)], &[by])
        .await
}

#[tokio::test]
async fn hands_over_the_authority_in_two_steps() {
    let mut w = World::new(0).await;
    let (auth, next) = (w.keypair().await, w.keypair().await);
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;

    let ev: SplitAuthorityProposed = propose(&mut w, &auth, &split, Some(next.pubkey()))
        .await
        .unwrap()
        .event();
    assert_eq!(
        (ev.split, ev.authority, ev.proposed),
        (split, auth.pubkey(), Some(next.pubkey()))
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.authority, s.pending_authority), (auth.pubkey(), Some(next.pubkey())));
    // Until it accepts, the proposed key has no power and the authority keeps it.
    assert_err(
        update(&mut w, &next, &split, &[(a, 10_000)]).await,
        RoyaltiesError::NotSplitAuthority,
    );
    update(&mut w, &auth, &split, &[(a, 10_000)]).await.unwrap();

    let ev: SplitAuthorityAccepted = accept(&mut w, &next, &split).await.unwrap().event();
    assert_eq!(
        (ev.split, ev.previous_authority, ev.authority),
        (split, auth.pubkey(), next.pubkey())
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.authority, s.pending_authority), (next.pubkey(), None));
    // The previous authority lost every power; the new one has them.
    assert_err(
        update(&mut w, &auth, &split, &[(a, 10_000)]).await,
        RoyaltiesError::NotSplitAuthority,
    );
    assert_err(
        propose(&mut w, &auth, &split, Some(auth.pubkey())).await,
        RoyaltiesError::NotSplitAuthority,
    );
    update(&mut w, &next, &split, &[(a, 10_000)]).await.unwrap();
    // The acceptance is spent: accepting again is refused.
    assert_err(
        accept(&mut w, &next, &split).await,
        RoyaltiesError::NotPendingSplitAuthority,
    );
}

#[tokio::test]
async fn only_the_authority_proposes_and_only_the_proposed_key_accepts() {
    let mut w = World::new(0).await;
    let (auth, next, thief) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    // Nothing proposed: nobody can accept.
    assert_err(
        accept(&mut w, &next, &split).await,
        RoyaltiesError::NotPendingSplitAuthority,
    );
    // A stranger cannot propose (itself).
    assert_err(
        propose(&mut w, &thief, &split, Some(thief.pubkey())).await,
        RoyaltiesError::NotSplitAuthority,
    );
    propose(&mut w, &auth, &split, Some(next.pubkey())).await.unwrap();
    // Another key cannot accept the proposal made to `next`.
    assert_err(
        accept(&mut w, &thief, &split).await,
        RoyaltiesError::NotPendingSplitAuthority,
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.authority, s.pending_authority), (auth.pubkey(), Some(next.pubkey())));
}

#[tokio::test]
async fn a_proposal_can_be_replaced_or_withdrawn() {
    let mut w = World::new(0).await;
    let (auth, first, second) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    propose(&mut w, &auth, &split, Some(first.pubkey())).await.unwrap();
    propose(&mut w, &auth, &split, Some(second.pubkey())).await.unwrap();
    assert_err(
        accept(&mut w, &first, &split).await,
        RoyaltiesError::NotPendingSplitAuthority,
    );
    let ev: SplitAuthorityProposed = propose(&mut w, &auth, &split, None).await.unwrap().event();
    assert_eq!(ev.proposed, None);
    assert_err(
        accept(&mut w, &second, &split).await,
        RoyaltiesError::NotPendingSplitAuthority,
    );
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.authority, s.pending_authority), (auth.pubkey(), None));
}
