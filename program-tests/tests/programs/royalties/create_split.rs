use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    royalties::{errors::RoyaltiesError, events::SplitCreated, instructions::CreateSplitArgs, state::Split},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner};

use super::standalone_split;

#[tokio::test]
async fn creates_a_split_and_its_vault() {
    let mut w = World::new(0).await;
    let (a, b) = (TestKeypair::new().pubkey(), TestKeypair::new().pubkey());
    let auth = TestKeypair::new().pubkey();
    let (res, split_key) = standalone_split(&mut w, &auth, &[(a, 2_500), (b, 7_500)]).await;
    let out = res.unwrap();
    let split: Split = w.h.fetch(&split_key).await.unwrap();
    assert_eq!(
        (split.authority, split.mint, split.vault),
        (auth, w.usdc, pda::vault(&split_key))
    );
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
    let seventeen: Vec<_> = k
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, if i == 0 { 592 } else { 588 }))
        .collect();
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
        CreateSplitArgs {
            authority: payer,
            recipients: recipients(&[(payer, 10_000)]),
        },
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
            CreateSplitArgs {
                authority: who,
                recipients: recipients(&[(who, 10_000)]),
            },
        )
    };
    let first = make(payer);
    let thief = TestKeypair::new().pubkey();
    let second = make(thief);
    w.h.send(&[first], &[&subject]).await.unwrap();
    // The creation helper refuses an address already in use (Anchor 1.2.2 has no
    // AccountAlreadyInUse code).
    assert_err(w.h.send(&[second], &[&subject]).await, ErrorCode::AccountNotSystemOwned);
    let split: Split = w.h.fetch(&pda::split(&subject.pubkey())).await.unwrap();
    assert_eq!(split.authority, payer, "unchanged");
}

/// A stranger's real system transfer of `lamports` to `address` (the pre-funding attack).
async fn prefund(w: &mut World, address: &tessera_client::Pubkey, lamports: u64) {
    let stranger = w.keypair().await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), address, lamports);
    w.h.send(&[ix], &[&stranger]).await.unwrap();
    assert_eq!(w.h.lamports(address).await, lamports);
}

/// Issue 14 (pre-funded addresses): a stranger sends lamports to the split's address before it
/// exists. Anchor's `init` refused the creation (`CreateAccountAllowPrefund`, unknown to Agave
/// 3.1: `InvalidInstructionData`); the split is now created whatever sits there, and the
/// stranger's lamports stay in it as part of its rent.
#[tokio::test]
async fn creates_a_split_whose_address_a_stranger_pre_funded() {
    let mut w = World::new(0).await;
    let subject = TestKeypair::new();
    let split_key = pda::split(&subject.pubkey());
    prefund(&mut w, &split_key, 1_000_000).await;
    let a = TestKeypair::new().pubkey();
    let (res, key) = super::split_of(&mut w, &subject, &a, &[(a, 10_000)]).await;
    res.unwrap();
    assert_eq!(key, split_key);
    let split: Split = w.h.fetch(&split_key).await.unwrap();
    assert_eq!(
        (split.authority, split.active_recipients()),
        (a, recipients(&[(a, 10_000)]))
    );
    let acc = w.h.account(&split_key).await.unwrap();
    assert_eq!(acc.data.len(), Split::space(1));
    let rent =
        w.h.ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(Split::space(1));
    assert_eq!(acc.lamports, rent.max(1_000_000));
    assert_eq!(w.h.balance(&pda::vault(&split_key)).await, 0);
}

/// Issue 14 (pre-funded addresses): the same for the split's vault address; the vault is a
/// working token account of the split afterwards.
#[tokio::test]
async fn creates_a_split_whose_vault_address_a_stranger_pre_funded() {
    let mut w = World::new(0).await;
    let subject = TestKeypair::new();
    let split_key = pda::split(&subject.pubkey());
    let vault = pda::vault(&split_key);
    prefund(&mut w, &vault, 5_000_000).await;
    let a = TestKeypair::new().pubkey();
    let (res, _) = super::split_of(&mut w, &subject, &a, &[(a, 10_000)]).await;
    res.unwrap();
    let acc = w.h.account(&vault).await.unwrap();
    assert_eq!(
        (acc.owner, acc.data.len(), acc.lamports),
        (TOKEN_PROGRAM_ID, 165, 5_000_000)
    );
    super::deposit(&mut w, &split_key, 700).await.unwrap();
    assert_eq!(w.h.balance(&vault).await, 700);
    let payer = w.h.payer();
    let ix = ix::royalties::claim_for(&payer, &a, &split_key, &w.usdc.clone(), &TOKEN_PROGRAM_ID);
    w.h.send(&[ix], &[]).await.unwrap();
    assert_eq!(
        w.h.balance(&pda::ata(&a, &w.usdc.clone(), &TOKEN_PROGRAM_ID)).await,
        700
    );
}
