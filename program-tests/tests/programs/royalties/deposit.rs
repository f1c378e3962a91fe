use tessera_client::{
    ix, pda,
    royalties::{errors::RoyaltiesError, events::Deposited, state::Split},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestKeypair, TestSigner};

use super::{deposit, standalone_split, vault};

#[tokio::test]
async fn records_what_the_vault_received() {
    let mut w = World::new(0).await;
    let me = TestKeypair::new().pubkey();
    let (res, split) = standalone_split(&mut w, &me, &[(me, 10_000)]).await;
    res.unwrap();
    let out = deposit(&mut w, &split, 1_234_567).await.unwrap();
    deposit(&mut w, &split, 1).await.unwrap();
    assert_eq!(vault(&mut w, &split).await, 1_234_568);
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(s.total_received, 1_234_568);
    let ev: Deposited = out.event();
    assert_eq!(
        (ev.split, ev.amount, ev.received, ev.total_received),
        (split, 1_234_567, 1_234_567, 1_234_567)
    );
}

#[tokio::test]
async fn refuses_zero_and_a_substituted_vault() {
    let mut w = World::new(0).await;
    let me = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &me, &[(me, 10_000)]).await;
    let (_, other) = standalone_split(&mut w, &me, &[(me, 10_000)]).await;
    assert_err(deposit(&mut w, &split, 0).await, RoyaltiesError::ZeroDeposit);

    let (d, usdc) = w.buyer(USDC).await;
    let mut ix = ix::royalties::deposit(&d.pubkey(), &usdc, &split, &w.usdc, &TOKEN_PROGRAM_ID, USDC);
    substitute(&mut ix, &pda::vault(&split), &pda::vault(&other));
    assert_err(w.h.send(&[ix], &[&d]).await, RoyaltiesError::VaultMismatch);
    assert_eq!(w.h.balance(&usdc).await, USDC);
}

#[tokio::test]
async fn refuses_another_mint() {
    let mut w = World::new(0).await;
    let me = TestKeypair::new().pubkey();
    let (_, split) = standalone_split(&mut w, &me, &[(me, 10_000)]).await;
    let other_mint = w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let d = w.keypair().await;
    let src = w.h.ata(&d.pubkey(), &other_mint, &TOKEN_PROGRAM_ID).await;
    w.h.mint_to(&other_mint, &src, &TOKEN_PROGRAM_ID, USDC).await;
    let ix = ix::royalties::deposit(&d.pubkey(), &src, &split, &other_mint, &TOKEN_PROGRAM_ID, USDC);
    assert_err(w.h.send(&[ix], &[&d]).await, RoyaltiesError::MintMismatch);
}
