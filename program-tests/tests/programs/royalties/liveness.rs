//! Liveness of the royalties instructions against what strangers and recipients can do to the
//! accounts around a split: lamports sent anywhere, a recipient closing or giving away its
//! token account. (Stray tokens: `sync.rs`; recipients that never claim: `update_split.rs`;
//! authority changes: `authority.rs`, `claim_parked.rs`; pre-funded creation: `create_split.rs`.)

use anchor_lang::error::ErrorCode;
use anchor_spl::token_2022::spl_token_2022;
use tessera_client::{
    ix, pda,
    royalties::{events::Synced, state::Split},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::{claim, deposit, standalone_split, sync_split, update_split::update, vault};

async fn send_lamports(w: &mut World, to: &tessera_client::Pubkey, lamports: u64) {
    let stranger = w.keypair().await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), to, lamports);
    w.h.send(&[ix], &[&stranger]).await.unwrap();
}

/// A recipient that closed its associated token account is paid again by `claim_for`, which
/// re-creates the account.
#[tokio::test]
async fn claim_for_recreates_an_account_the_recipient_closed() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 500);
    let usdc = w.usdc;
    let ata = pda::ata(&a.pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let out = w.h.balance(&ata).await;
    let sink = w.h.ata(&w.treasury.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let empty = spl_token_2022::instruction::transfer(&TOKEN_PROGRAM_ID, &ata, &sink, &a.pubkey(), &[], out).unwrap();
    let close =
        spl_token_2022::instruction::close_account(&TOKEN_PROGRAM_ID, &ata, &a.pubkey(), &a.pubkey(), &[]).unwrap();
    w.h.send(&[empty, close], &[&a]).await.unwrap();
    assert!(w.h.account(&ata).await.is_none());
    deposit(&mut w, &split, 300).await.unwrap();
    let payer = w.h.payer();
    w.h.send(
        &[ix::royalties::claim_for(
            &payer,
            &a.pubkey(),
            &split,
            &usdc,
            &TOKEN_PROGRAM_ID,
        )],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(w.h.balance(&ata).await, 300);
}

/// A stranger sends lamports to a recipient's (not yet created) associated token account
/// address: `claim_for` still creates it (the associated-token program tops up, allocates and
/// assigns) and pays.
#[tokio::test]
async fn claim_for_pays_into_an_account_address_a_stranger_pre_funded() {
    let mut w = World::new(0).await;
    let a = tessera_program_tests::TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &a, &[(a, 10_000)]).await;
    deposit(&mut w, &split, 700).await.unwrap();
    let usdc = w.usdc;
    let ata = pda::ata(&a, &usdc, &TOKEN_PROGRAM_ID);
    send_lamports(&mut w, &ata, 1_000_000).await;
    let payer = w.h.payer();
    w.h.send(
        &[ix::royalties::claim_for(&payer, &a, &split, &usdc, &TOKEN_PROGRAM_ID)],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(w.h.balance(&ata).await, 700);
}

/// Lamports sent to a split and to its vault change nothing: deposits, claims, `claim_for`,
/// updates (growing and shrinking the split) and `sync` all work with exact amounts.
#[tokio::test]
async fn lamports_sent_to_a_split_and_its_vault_break_nothing() {
    let mut w = World::new(0).await;
    let (auth, a, b) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 5_000), (b.pubkey(), 5_000)]).await;
    send_lamports(&mut w, &split, 7_000_000).await;
    send_lamports(&mut w, &pda::vault(&split), 9_000_000).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 500);
    update(
        &mut w,
        &auth,
        &split,
        &[(a.pubkey(), 2_500), (b.pubkey(), 2_500), (auth.pubkey(), 5_000)],
    )
    .await
    .unwrap();
    deposit(&mut w, &split, 1_000).await.unwrap();
    update(&mut w, &auth, &split, &[(a.pubkey(), 10_000)]).await.unwrap();
    let ev: Synced = sync_split(&mut w, &split).await.unwrap().event();
    assert_eq!(ev.amount, 0, "lamports are not tokens");
    let payer = w.h.payer();
    let usdc = w.usdc;
    w.h.send(
        &[ix::royalties::claim_for(
            &payer,
            &b.pubkey(),
            &split,
            &usdc,
            &TOKEN_PROGRAM_ID,
        )],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        w.h.balance(&pda::ata(&b.pubkey(), &usdc, &TOKEN_PROGRAM_ID)).await,
        500 + 250
    );
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 250);
    let (res, got) = claim(&mut w, &auth, &split).await;
    res.unwrap();
    assert_eq!(got, 500);
    assert_eq!(vault(&mut w, &split).await, 0);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.total_received, s.total_claimed), (2_000, 2_000));
}

/// A recipient that gives its (SPL Token) associated account to another owner cannot be paid
/// there by `claim_for` any more, but it still claims into any account it owns, and it blocks
/// nobody: the authority removes it (its balance kept) and the others are paid.
#[tokio::test]
async fn a_recipient_that_gives_its_account_away_blocks_nobody() {
    let mut w = World::new(0).await;
    let (auth, a, b, other) = (
        w.keypair().await,
        w.keypair().await,
        w.keypair().await,
        w.keypair().await,
    );
    let (_, split) = standalone_split(&mut w, &auth.pubkey(), &[(a.pubkey(), 5_000), (b.pubkey(), 5_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let usdc = w.usdc;
    let ata = w.h.ata(&a.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let give = spl_token_2022::instruction::set_authority(
        &TOKEN_PROGRAM_ID,
        &ata,
        Some(&other.pubkey()),
        spl_token_2022::instruction::AuthorityType::AccountOwner,
        &a.pubkey(),
        &[],
    )
    .unwrap();
    w.h.send(&[give], &[&a]).await.unwrap();
    let payer = w.h.payer();
    let res =
        w.h.send(
            &[ix::royalties::claim_for(
                &payer,
                &a.pubkey(),
                &split,
                &usdc,
                &TOKEN_PROGRAM_ID,
            )],
            &[],
        )
        .await;
    assert_err(res, ErrorCode::ConstraintTokenOwner);
    update(&mut w, &auth, &split, &[(b.pubkey(), 10_000)]).await.unwrap();
    deposit(&mut w, &split, 1_000).await.unwrap();
    w.h.send(
        &[ix::royalties::claim_for(
            &payer,
            &b.pubkey(),
            &split,
            &usdc,
            &TOKEN_PROGRAM_ID,
        )],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        w.h.balance(&pda::ata(&b.pubkey(), &usdc, &TOKEN_PROGRAM_ID)).await,
        1_500
    );
    // `a` claims its 500 into another account it owns.
    let dest = w.h.create_token_account(&a.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    w.h.send(
        &[ix::royalties::claim(
            &a.pubkey(),
            &split,
            &usdc,
            &dest,
            &TOKEN_PROGRAM_ID,
        )],
        &[&a],
    )
    .await
    .unwrap();
    assert_eq!(w.h.balance(&dest).await, 500);
    assert_eq!(vault(&mut w, &split).await, 0);
}
