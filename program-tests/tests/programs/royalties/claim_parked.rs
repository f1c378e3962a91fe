//! `claim_parked`: the balances an update parked (see `update_split.rs`) are paid to their
//! recipients by anyone, into any token account the recipient owns; the record closes to the
//! payer of its rent once empty.

use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use tessera_client::{
    ix, pda,
    royalties::{
        errors::RoyaltiesError,
        events::Claimed,
        state::{Parked, Split},
    },
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestKeypair, TestSigner};

use super::{deposit, standalone_split, update_split::update, vault};

/// A split whose 16 first recipients (1,000 owed each, never claimed) were replaced by 16
/// others: their balances are parked at version 0.
async fn parked_split(w: &mut World, auth: &TestKeypair) -> (Pubkey, Vec<Pubkey>, Vec<Pubkey>) {
    let first: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let second: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let shares = |keys: &[Pubkey]| keys.iter().map(|k| (*k, 625u16)).collect::<Vec<_>>();
    let (res, split) = standalone_split(w, &auth.pubkey(), &shares(&first)).await;
    res.unwrap();
    deposit(w, &split, 16_000).await.unwrap();
    update(w, auth, &split, &shares(&second)).await.unwrap();
    (split, first, second)
}

fn claim_parked_ix(
    caller: &Pubkey,
    recipient: &Pubkey,
    split: &Pubkey,
    mint: &Pubkey,
    dest: &Pubkey,
    rent_receiver: &Pubkey,
) -> tessera_client::Instruction {
    ix::royalties::claim_parked(
        caller,
        recipient,
        split,
        0,
        mint,
        dest,
        rent_receiver,
        &TOKEN_PROGRAM_ID,
    )
}

#[tokio::test]
async fn anyone_pays_parked_balances_and_the_record_closes_to_its_payer() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (split, first, _) = parked_split(&mut w, &auth).await;
    let usdc = w.usdc;
    let bot = w.keypair().await;
    // A token account (not an associated one) owned by the recipient, created by someone else.
    let dest = w.h.create_token_account(&first[0], &usdc, &TOKEN_PROGRAM_ID).await;
    let ix = claim_parked_ix(&bot.pubkey(), &first[0], &split, &usdc, &dest, &auth.pubkey());
    let ev: Claimed = w.h.send(&[ix], &[&bot]).await.unwrap().event();
    assert_eq!(
        (ev.split, ev.recipient, ev.destination, ev.amount, ev.claimed_by),
        (split, first[0], dest, 1_000, bot.pubkey())
    );
    assert_eq!(w.h.balance(&dest).await, 1_000);
    let parked: Parked = w.h.fetch(&pda::parked(&split, 0)).await.unwrap();
    assert_eq!(parked.balances.len(), 15);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.total_claimed, s.held().unwrap()), (1_000, 15_000));
    assert_eq!(vault(&mut w, &split).await, 15_000);
    // Paid once only.
    let ix = claim_parked_ix(&bot.pubkey(), &first[0], &split, &usdc, &dest, &auth.pubkey());
    assert_err(w.h.send(&[ix], &[&bot]).await, RoyaltiesError::NotParked);

    // The authority hands the split over; the record's rent still goes back to who paid it.
    let next = w.keypair().await;
    w.h.send(
        &[ix::royalties::propose_split_authority(
            &auth.pubkey(),
            &split,
            Some(next.pubkey()),
        )],
        &[&auth],
    )
    .await
    .unwrap();
    w.h.send(
        &[ix::royalties::accept_split_authority(&next.pubkey(), &split)],
        &[&next],
    )
    .await
    .unwrap();
    let record_rent = w.h.lamports(&pda::parked(&split, 0)).await;
    let auth_before = w.h.lamports(&auth.pubkey()).await;
    for r in &first[1..] {
        let dest = w.h.ata(r, &usdc, &TOKEN_PROGRAM_ID).await;
        let ix = claim_parked_ix(&bot.pubkey(), r, &split, &usdc, &dest, &auth.pubkey());
        w.h.send(&[ix], &[&bot]).await.unwrap();
        assert_eq!(w.h.balance(&dest).await, 1_000);
    }
    assert!(
        w.h.account(&pda::parked(&split, 0)).await.is_none(),
        "the empty record is closed"
    );
    assert_eq!(w.h.lamports(&auth.pubkey()).await, auth_before + record_rent);
    assert_eq!(vault(&mut w, &split).await, 0);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!((s.total_received, s.total_claimed), (16_000, 16_000));
}

#[tokio::test]
async fn refuses_what_is_not_parked_or_not_the_recipients() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (split, first, second) = parked_split(&mut w, &auth).await;
    let usdc = w.usdc;
    let payer = w.h.payer();
    let dest0 = w.h.ata(&first[0], &usdc, &TOKEN_PROGRAM_ID).await;
    // An active recipient has nothing parked.
    let dest_second = w.h.ata(&second[0], &usdc, &TOKEN_PROGRAM_ID).await;
    let ix = claim_parked_ix(&payer, &second[0], &split, &usdc, &dest_second, &auth.pubkey());
    assert_err(w.h.send(&[ix], &[]).await, RoyaltiesError::NotParked);
    // Into an account the recipient does not own.
    let (_, thief_usdc) = w.buyer(0).await;
    let ix = claim_parked_ix(&payer, &first[0], &split, &usdc, &thief_usdc, &auth.pubkey());
    assert_err(
        w.h.send(&[ix], &[]).await,
        RoyaltiesError::DestinationNotOwnedByRecipient,
    );
    // The record's rent to someone else than its payer.
    let ix = claim_parked_ix(&payer, &first[0], &split, &usdc, &dest0, &payer);
    assert_err(w.h.send(&[ix], &[]).await, RoyaltiesError::RentReceiverMismatch);
    // Another split's record, and another split's vault.
    let auth2 = w.keypair().await;
    let (other, _, _) = parked_split(&mut w, &auth2).await;
    let mut ix = claim_parked_ix(&payer, &first[0], &split, &usdc, &dest0, &auth.pubkey());
    substitute(&mut ix, &pda::parked(&split, 0), &pda::parked(&other, 0));
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds);
    let mut ix = claim_parked_ix(&payer, &first[0], &split, &usdc, &dest0, &auth.pubkey());
    substitute(&mut ix, &pda::vault(&split), &pda::vault(&other));
    assert_err(w.h.send(&[ix], &[]).await, RoyaltiesError::VaultMismatch);
    assert_eq!(w.h.balance(&thief_usdc).await, 0);
    assert_eq!(vault(&mut w, &split).await, 16_000);
    assert_eq!(
        w.h.fetch::<Parked>(&pda::parked(&split, 0))
            .await
            .unwrap()
            .balances
            .len(),
        16
    );
}
