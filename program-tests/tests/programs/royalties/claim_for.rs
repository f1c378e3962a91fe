use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    royalties::{errors::RoyaltiesError, events::Claimed},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestKeypair, TestSigner};

use super::{deposit, standalone_split, vault};

#[tokio::test]
async fn anyone_pays_a_recipient_into_its_own_associated_account() {
    let mut w = World::new(0).await;
    let (a, b) = (TestKeypair::new().pubkey(), TestKeypair::new().pubkey());
    let (_, split) = standalone_split(&mut w, &a, &[(a, 5_000), (b, 5_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let bot = w.keypair().await;
    // The recipient has no token account yet: claim_for creates it at the bot's expense.
    let ix = ix::royalties::claim_for(&bot.pubkey(), &a, &split, &w.usdc, &TOKEN_PROGRAM_ID);
    let out = w.h.send(&[ix], &[&bot]).await.unwrap();
    assert_eq!(
        w.h.balance(&pda::ata(&a, &w.usdc.clone(), &TOKEN_PROGRAM_ID)).await,
        500
    );
    let ev: Claimed = out.event();
    assert_eq!((ev.recipient, ev.claimed_by, ev.amount), (a, bot.pubkey(), 500));
    assert_eq!(vault(&mut w, &split).await, 500);
    // Nothing left for `a`.
    let ix = ix::royalties::claim_for(&bot.pubkey(), &a, &split, &w.usdc, &TOKEN_PROGRAM_ID);
    assert_err(w.h.send(&[ix], &[&bot]).await, RoyaltiesError::NothingToClaim);
}

#[tokio::test]
async fn refuses_a_destination_that_is_not_the_recipients_ata() {
    let mut w = World::new(0).await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &a, &[(a, 10_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let (bot, bot_usdc) = w.buyer(0).await;
    let mut ix = ix::royalties::claim_for(&bot.pubkey(), &a, &split, &w.usdc, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &pda::ata(&a, &w.usdc.clone(), &TOKEN_PROGRAM_ID), &bot_usdc);
    assert_err(w.h.send(&[ix], &[&bot]).await, ErrorCode::ConstraintTokenOwner);
    assert_eq!(w.h.balance(&bot_usdc).await, 0);
}

#[tokio::test]
async fn refuses_a_non_recipient() {
    let mut w = World::new(0).await;
    let a = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &a, &[(a, 10_000)]).await;
    deposit(&mut w, &split, 1_000).await.unwrap();
    let bot = w.keypair().await;
    let ix = ix::royalties::claim_for(&bot.pubkey(), &bot.pubkey(), &split, &w.usdc, &TOKEN_PROGRAM_ID);
    assert_err(w.h.send(&[ix], &[&bot]).await, RoyaltiesError::NotARecipient);
}
