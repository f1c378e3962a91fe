mod audit;
mod authority;
mod claim;
mod claim_for;
mod claim_parked;
mod create_split;
mod deposit;
mod liveness;
mod security;
mod sync;
mod update_split;

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022;
use tessera_client::{ix, pda, royalties::instructions::CreateSplitArgs, TOKEN_PROGRAM_ID};
use tessera_program_tests::{world::*, TestKeypair, TestSigner, TxResult};

/// A standalone split (its subject a plain keypair) over the world's USDC mint.
pub async fn standalone_split(w: &mut World, authority: &Pubkey, shares: &[(Pubkey, u16)]) -> (TxResult, Pubkey) {
    split_of(w, &TestKeypair::new(), authority, shares).await
}

/// The split of `subject` (which signs) over the world's USDC mint.
pub async fn split_of(
    w: &mut World,
    subject: &TestKeypair,
    authority: &Pubkey,
    shares: &[(Pubkey, u16)],
) -> (TxResult, Pubkey) {
    let payer = w.h.payer();
    let ix = ix::royalties::create_split(
        &payer,
        &subject.pubkey(),
        &w.usdc,
        &TOKEN_PROGRAM_ID,
        CreateSplitArgs {
            authority: *authority,
            recipients: recipients(shares),
        },
    );
    (w.h.send(&[ix], &[subject]).await, pda::split(&subject.pubkey()))
}

/// Deposits `amount` into `split` from a fresh funded depositor.
pub async fn deposit(w: &mut World, split: &Pubkey, amount: u64) -> TxResult {
    let (depositor, usdc) = w.buyer(amount).await;
    let ix = ix::royalties::deposit(&depositor.pubkey(), &usdc, split, &w.usdc, &TOKEN_PROGRAM_ID, amount);
    w.h.send(&[ix], &[&depositor]).await
}

/// The recipient claims from `split` into its USDC account; returns the result and the amount
/// the account received.
pub async fn claim(w: &mut World, recipient: &TestKeypair, split: &Pubkey) -> (TxResult, u64) {
    let usdc = w.usdc;
    let dest = w.h.ata(&recipient.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    let before = w.h.balance(&dest).await;
    let ix = ix::royalties::claim(&recipient.pubkey(), split, &usdc, &dest, &TOKEN_PROGRAM_ID);
    let res = w.h.send(&[ix], &[recipient]).await;
    let after = w.h.balance(&dest).await;
    (res, after - before)
}

pub async fn vault(w: &mut World, split: &Pubkey) -> u64 {
    w.h.balance(&pda::vault(split)).await
}

/// A standalone split over `mint` (of `token_program`).
pub async fn split_over(
    w: &mut World,
    authority: &Pubkey,
    shares: &[(Pubkey, u16)],
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Pubkey {
    let subject = TestKeypair::new();
    let payer = w.h.payer();
    let ix = ix::royalties::create_split(
        &payer,
        &subject.pubkey(),
        mint,
        token_program,
        CreateSplitArgs {
            authority: *authority,
            recipients: recipients(shares),
        },
    );
    w.h.send(&[ix], &[&subject]).await.unwrap();
    pda::split(&subject.pubkey())
}

/// A stranger's plain token transfer of `amount` (6-decimal `mint`) straight into `split`'s
/// vault, bypassing `deposit`.
pub async fn stray(w: &mut World, split: &Pubkey, mint: &Pubkey, token_program: &Pubkey, amount: u64) {
    let stranger = w.keypair().await;
    let src = w.h.ata(&stranger.pubkey(), mint, token_program).await;
    w.h.mint_to(mint, &src, token_program, amount).await;
    let ix = spl_token_2022::instruction::transfer_checked(
        token_program,
        &src,
        mint,
        &pda::vault(split),
        &stranger.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap();
    w.h.send(&[ix], &[&stranger]).await.unwrap();
}

/// `sync` of `split`, sent by the harness payer.
pub async fn sync_split(w: &mut World, split: &Pubkey) -> TxResult {
    w.h.send(&[ix::royalties::sync(split)], &[]).await
}
