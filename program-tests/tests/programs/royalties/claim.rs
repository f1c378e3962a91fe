use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    royalties::{errors::RoyaltiesError, events::Claimed, state::Split},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

use super::{claim, deposit, standalone_split, vault};

#[tokio::test]
async fn pays_everything_owed_in_one_transfer_whatever_the_number_of_deposits() {
    let mut w = World::new(0).await;
    let (a, b) = (w.keypair().await, w.keypair().await);
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 6_000), (b.pubkey(), 4_000)]).await;
    for amount in [100, 333, 1_000_000, 7] {
        deposit(&mut w, &split, amount).await.unwrap();
    }
    let total = 100 + 333 + 1_000_000 + 7u64;
    let (res, got_a) = claim(&mut w, &a, &split).await;
    let out = res.unwrap();
    assert_eq!(got_a, total * 6_000 / 10_000);
    let ev: Claimed = out.event();
    assert_eq!(
        (ev.recipient, ev.amount, ev.claimed_by),
        (a.pubkey(), got_a, a.pubkey())
    );
    let (res, got_b) = claim(&mut w, &b, &split).await;
    res.unwrap();
    assert_eq!(got_b, total * 4_000 / 10_000);
    // Rounding never pays out more than came in; the dust stays in the vault.
    assert_eq!(vault(&mut w, &split).await, total - got_a - got_b);
    assert!(total - got_a - got_b < 2);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.total_claimed, u128::from(got_a + got_b));
}

#[tokio::test]
async fn a_second_claim_gets_nothing() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 500);
    let (res, got) = claim(&mut w, &a, &split).await;
    assert_err(res, RoyaltiesError::NothingToClaim);
    assert_eq!(got, 0);
    // New deposits are claimable again.
    deposit(&mut w, &split, 200).await.unwrap();
    let (res, got) = claim(&mut w, &a, &split).await;
    res.unwrap();
    assert_eq!(got, 200);
}

#[tokio::test]
async fn refuses_a_non_recipient() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let x = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    let (res, _) = claim(&mut w, &x, &split).await;
    assert_err(res, RoyaltiesError::NotARecipient);
    assert_eq!(vault(&mut w, &split).await, 500);
}

#[tokio::test]
async fn refuses_a_destination_the_recipient_does_not_own() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    let (_, thief_usdc) = w.buyer(0).await;
    let ix = ix::royalties::claim(&a.pubkey(), &split, &w.usdc, &thief_usdc, &TOKEN_PROGRAM_ID);
    assert_err(
        w.h.send(&[ix], &[&a]).await,
        RoyaltiesError::DestinationNotOwnedByRecipient,
    );
    assert_eq!(w.h.balance(&thief_usdc).await, 0);
}

#[tokio::test]
async fn refuses_a_substituted_vault_or_split() {
    let mut w = World::new(0).await;
    let a = w.keypair().await;
    let other_owner = w.keypair().await;
    let (_, split) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 10_000)]).await;
    let (_, other) = standalone_split(&mut w, &other_owner.pubkey(), &[(other_owner.pubkey(), 10_000)]).await;
    deposit(&mut w, &split, 500).await.unwrap();
    deposit(&mut w, &other, 900).await.unwrap();
    let dest = w.h.ata(&a.pubkey(), &w.usdc.clone(), &TOKEN_PROGRAM_ID).await;

    // Another split's vault with my split.
    let mut ix = ix::royalties::claim(&a.pubkey(), &split, &w.usdc, &dest, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &pda::vault(&split), &pda::vault(&other));
    assert_err(w.h.send(&[ix], &[&a]).await, RoyaltiesError::VaultMismatch);
    // Another split (with its own vault) where I am not a recipient.
    let ix = ix::royalties::claim(&a.pubkey(), &other, &w.usdc, &dest, &TOKEN_PROGRAM_ID);
    assert_err(w.h.send(&[ix], &[&a]).await, RoyaltiesError::NotARecipient);
    // A split-shaped account owned by another program.
    let fake = tessera_program_tests::TestKeypair::new().pubkey();
    let mut acc = w.h.account(&split).await.unwrap();
    acc.owner = tessera_client::REGISTRY_ID;
    w.h.ctx.set_account(&fake, &acc.into());
    let mut ix = ix::royalties::claim(&a.pubkey(), &split, &w.usdc, &dest, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &split, &fake);
    assert_err(w.h.send(&[ix], &[&a]).await, ErrorCode::AccountOwnedByWrongProgram);

    assert_eq!(w.h.balance(&dest).await, 0);
    assert_eq!(vault(&mut w, &other).await, 900);
}
