use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    royalties::{
        errors::RoyaltiesError, events::SplitCreated, instructions::CreateSplitArgs, state::Split,
    },
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, assert_ix_err, world::*, TestKeypair, TestSigner, INIT_REFUSED};

use super::standalone_split;

#[tokio::test]
async fn creates_a_split_and_its_vault() {
    let mut w = World::new(0).await;
    let (a, b) = (TestKeypair::new().pubkey(), TestKeypair::new().pubkey());
    let auth = TestKeypair::new().pubkey();
    let (res, split_key) = standalone_split(&mut w, &auth, &[(a, 2_500), (b, 7_500)]).await;
    let out = res.unwrap();
    let split: Split = w.h.fetch(&split_key).await.unwrap();
    assert_eq!((split.authority, split.mint, split.vault), (auth, w.usdc, pda::vault(&split_key)));
    assert_eq!(split.active_recipients(), recipients(&[(a, 2_500), (b, 7_500)]));
    assert_eq!((split.total_received, split.version), (0, 0));
    // Sized for its two recipients, not for the maximum.
    let acc = w.h.account(&split_key).await.unwrap();
    assert_eq!(acc.data.len(), Split::space(2));
    let ev: SplitCreated = out.event();
    assert_eq!((ev.split, ev.authority), (split_key, auth));
}

#[tokio::test]
async fn refuses_invalid_recipient_lists() {
    let mut w = World::new(0).await;
    let k: Vec<_> = (0..17).map(|_| TestKeypair::new().pubkey()).collect();
    let seventeen: Vec<_> = k.iter().enumerate().map(|(i, p)| (*p, if i == 0 { 592 } else { 588 })).collect();
    for (shares, err) in [
        (vec![(k[0], 9_999)], RoyaltiesError::SharesDoNotSumTo10000),
        (vec![], RoyaltiesError::SharesDoNotSumTo10000),
        (seventeen, RoyaltiesError::TooManyRecipients),
        (vec![(k[0], 5_000), (k[0], 5_000)], RoyaltiesError::DuplicateRecipient),
        (vec![(k[0], 0), (k[1], 10_000)], RoyaltiesError::ZeroShare),
        (vec![(k[0], 10_001)], RoyaltiesError::ShareAboveMax),
    ] {
        let (res, split) = standalone_split(&mut w, &k[0], &shares).await;
        assert_err(res, err);
        assert!(w.h.account(&split).await.is_none(), "nothing created");
    }
}

#[tokio::test]
async fn the_subject_must_sign() {
    let mut w = World::new(0).await;
    let subject = TestKeypair::new();
    let payer = w.h.payer();
    let mut ix = ix::royalties::create_split(
        &payer,
        &subject.pubkey(),
        &w.usdc,
        &TOKEN_PROGRAM_ID,
        CreateSplitArgs { authority: payer, recipients: recipients(&[(payer, 10_000)]) },
    );
    ix.accounts[1].is_signer = false;
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn refuses_re_initialisation() {
    let mut w = World::new(0).await;
    let subject = TestKeypair::new();
    let payer = w.h.payer();
    let make = |who| {
        ix::royalties::create_split(
            &payer,
            &subject.pubkey(),
            &w.usdc,
            &TOKEN_PROGRAM_ID,
            CreateSplitArgs { authority: who, recipients: recipients(&[(who, 10_000)]) },
        )
    };
    let first = make(payer);
    let thief = TestKeypair::new().pubkey();
    let second = make(thief);
    w.h.send(&[first], &[&subject]).await.unwrap();
    assert_ix_err(w.h.send(&[second], &[&subject]).await, INIT_REFUSED);
    let split: Split = w.h.fetch(&pda::split(&subject.pubkey())).await.unwrap();
    assert_eq!(split.authority, payer, "unchanged");
}
