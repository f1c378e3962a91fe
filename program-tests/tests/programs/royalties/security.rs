//! The royalties program against the Solana attack classes: one test per class, each sending a
//! real instruction with the malicious account or input, asserting the exact error and that no
//! account the transaction referenced changed (`security::refused`).
//!
//! Closing accounts: splits and their vaults are never closed (a recipient may always come back
//! for what it is owed, and deposits keep arriving); the test of that class checks that an
//! emptied vault stays usable.
//! Sysvars: this program reads no time and no sysvar (no `Clock`, no instructions sysvar), so
//! there is nothing a forged sysvar account could feed it; no test for that class.

use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use tessera_client::{
    ix, pda,
    royalties::{
        constants::{SPLIT_SEED, VAULT_SEED},
        errors::RoyaltiesError,
        instructions::{CreateSplitArgs, UpdateSplitArgs},
        state::Split,
    },
    ESCROW_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{security::*, substitute, world::*, TestKeypair, TestSigner};

use super::{claim, deposit, split_of, standalone_split};

/// Two funded splits: S1 (authority A; A 60% / B 40%, 1,000 deposited) and S2 (authority C;
/// C 100%, 900 deposited); every recipient has a USDC account.
struct Fx {
    w: World,
    a: TestKeypair,
    b: TestKeypair,
    s1: Pubkey,
    s2: Pubkey,
    a_usdc: Pubkey,
}

async fn fixture() -> Fx {
    let mut w = World::new(0).await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let (res, s1) = standalone_split(&mut w, &a.pubkey(), &[(a.pubkey(), 6_000), (b.pubkey(), 4_000)]).await;
    res.unwrap();
    let (res, s2) = standalone_split(&mut w, &c.pubkey(), &[(c.pubkey(), 10_000)]).await;
    res.unwrap();
    deposit(&mut w, &s1, 1_000).await.unwrap();
    deposit(&mut w, &s2, 900).await.unwrap();
    let usdc = w.usdc;
    let a_usdc = w.h.ata(&a.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
    Fx {
        w,
        a,
        b,
        s1,
        s2,
        a_usdc,
    }
}

impl Fx {
    fn claim_ix(&self, split: &Pubkey) -> tessera_client::Instruction {
        ix::royalties::claim(&self.a.pubkey(), split, &self.w.usdc, &self.a_usdc, &TOKEN_PROGRAM_ID)
    }
}

#[tokio::test]
async fn missing_signer() {
    let mut f = fixture().await;
    // A claim without the recipient's signature.
    let mut ix = f.claim_ix(&f.s1);
    unsign(&mut ix, &f.a.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // New recipients without the authority's signature.
    let thief = f.w.keypair().await;
    let mut ix = ix::royalties::update_split(
        &f.a.pubkey(),
        &f.s1,
        0,
        UpdateSplitArgs {
            recipients: recipients(&[(thief.pubkey(), 10_000)]),
        },
    );
    unsign(&mut ix, &f.a.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // A hand-over to the thief without the authority's signature, and its acceptance by the
    // thief without a proposal.
    let mut ix = ix::royalties::propose_split_authority(&f.a.pubkey(), &f.s1, Some(thief.pubkey()));
    unsign(&mut ix, &f.a.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    let ix = ix::royalties::accept_split_authority(&thief.pubkey(), &f.s1);
    refused(&mut f.w.h, &[ix], &[&thief], RoyaltiesError::NotPendingSplitAuthority).await;
    // A split for a subject that did not sign (squatting another program's or person's split).
    let subject = TestKeypair::new();
    let payer = f.w.h.payer();
    let usdc = f.w.usdc;
    let mut ix = ix::royalties::create_split(
        &payer,
        &subject.pubkey(),
        &usdc,
        &TOKEN_PROGRAM_ID,
        CreateSplitArgs {
            authority: thief.pubkey(),
            recipients: recipients(&[(thief.pubkey(), 10_000)]),
        },
    );
    unsign(&mut ix, &subject.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
}

#[tokio::test]
async fn account_data_matching() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    // A destination of another mint.
    let other_mint = f.w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let other_dest = f.w.h.ata(&a.pubkey(), &other_mint, &TOKEN_PROGRAM_ID).await;
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.a_usdc.clone(), &other_dest);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::ConstraintTokenMint).await;
    // That other mint in place of the split's.
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.w.usdc.clone(), &other_mint);
    substitute(&mut ix, &f.a_usdc.clone(), &other_dest);
    refused(&mut f.w.h, &[ix], &[&a], RoyaltiesError::MintMismatch).await;
    // A destination owned by someone else (the recipient signs, the thief's account receives).
    let (_, thief_usdc) = f.w.buyer(0).await;
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.a_usdc.clone(), &thief_usdc);
    refused(&mut f.w.h, &[ix], &[&a], RoyaltiesError::DestinationNotOwnedByRecipient).await;
    // A deposit from an account the depositor does not own.
    let (depositor, _) = f.w.buyer(0).await;
    let (_, victim_usdc) = f.w.buyer(500).await;
    let ix = ix::royalties::deposit(
        &depositor.pubkey(),
        &victim_usdc,
        &f.s1,
        &f.w.usdc,
        &TOKEN_PROGRAM_ID,
        500,
    );
    refused(&mut f.w.h, &[ix], &[&depositor], ErrorCode::ConstraintTokenOwner).await;
    // A split the signer is not a recipient of.
    let ix = f.claim_ix(&f.s2);
    refused(&mut f.w.h, &[ix], &[&a], RoyaltiesError::NotARecipient).await;
}

#[tokio::test]
async fn owner_checks() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    // S1's exact bytes, owned by the registry.
    let fake_split = planted_copy(&mut f.w.h, &f.s1.clone(), &REGISTRY_ID).await;
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.s1.clone(), &fake_split);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::AccountOwnedByWrongProgram).await;
    // S1's vault bytes, owned by the system program.
    let vault = pda::vault(&f.s1);
    let fake_vault = planted_copy(&mut f.w.h, &vault, &anchor_lang::system_program::ID).await;
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &vault, &fake_vault);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::AccountOwnedByWrongProgram).await;
}

#[tokio::test]
async fn type_cosplay() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    // The registry's config (another Tessera account, larger than an empty split), re-owned by
    // the royalties program, in place of a split.
    let fake_split = planted_copy(&mut f.w.h, &pda::config(), &ROYALTIES_ID).await;
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.s1.clone(), &fake_split);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::AccountDiscriminatorMismatch).await;
    // A token account (S2's vault) in place of a split.
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.s1.clone(), &pda::vault(&f.s2));
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::AccountOwnedByWrongProgram).await;
}

#[tokio::test]
async fn reinitialisation() {
    let mut f = fixture().await;
    // Creating S1 again (the same subject) with the attacker as authority and recipient.
    let subject = TestKeypair::new();
    let thief = f.w.keypair().await;
    let a = f.a.pubkey();
    let (res, split) = split_of(&mut f.w, &subject, &a, &[(a, 10_000)]).await;
    res.unwrap();
    let payer = f.w.h.payer();
    let usdc = f.w.usdc;
    let ix = ix::royalties::create_split(
        &payer,
        &subject.pubkey(),
        &usdc,
        &TOKEN_PROGRAM_ID,
        CreateSplitArgs {
            authority: thief.pubkey(),
            recipients: recipients(&[(thief.pubkey(), 10_000)]),
        },
    );
    refused(&mut f.w.h, &[ix], &[&subject], ErrorCode::AccountNotSystemOwned).await;
    assert_eq!(f.w.h.fetch::<Split>(&split).await.unwrap().authority, f.a.pubkey());
    // `claim_for` creates the recipient's account only if needed: an existing balance is kept.
    let b = f.b.pubkey();
    let b_usdc = f.w.h.ata(&b, &usdc, &TOKEN_PROGRAM_ID).await;
    f.w.h.mint_to(&usdc, &b_usdc, &TOKEN_PROGRAM_ID, 77).await;
    let ix = ix::royalties::claim_for(&payer, &b, &f.s1, &usdc, &TOKEN_PROGRAM_ID);
    f.w.h.send(&[ix], &[]).await.unwrap();
    assert_eq!(f.w.h.balance(&b_usdc).await, 77 + 400);
}

#[tokio::test]
async fn arbitrary_cpi() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    // A fake token program for the vault transfer.
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &TOKEN_PROGRAM_ID, &ESCROW_ID);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::InvalidProgramId).await;
    // A fake associated-token program for `claim_for`'s account creation.
    let payer = f.w.h.payer();
    let b = f.b.pubkey();
    let mut ix = ix::royalties::claim_for(&payer, &b, &f.s1, &f.w.usdc, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &tessera_client::ASSOCIATED_TOKEN_PROGRAM_ID, &REGISTRY_ID);
    refused(&mut f.w.h, &[ix], &[], ErrorCode::InvalidProgramId).await;
    // A fake system program for the split's realloc payment.
    let mut ix = ix::royalties::update_split(
        &a.pubkey(),
        &f.s1,
        0,
        UpdateSplitArgs {
            recipients: recipients(&[(a.pubkey(), 10_000)]),
        },
    );
    substitute(&mut ix, &anchor_lang::system_program::ID, &ESCROW_ID);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::InvalidProgramId).await;
}

#[tokio::test]
async fn duplicate_mutable_accounts() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    // The vault as the claim's destination.
    let vault = pda::vault(&f.s1);
    let mut ix = f.claim_ix(&f.s1);
    substitute(&mut ix, &f.a_usdc.clone(), &vault);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::ConstraintDuplicateMutableAccount).await;
    // The vault as the deposit's source.
    let ix = ix::royalties::deposit(&a.pubkey(), &vault, &f.s1, &f.w.usdc, &TOKEN_PROGRAM_ID, 100);
    refused(&mut f.w.h, &[ix], &[&a], ErrorCode::ConstraintDuplicateMutableAccount).await;
    // The same recipient twice in one split.
    let ix = ix::royalties::update_split(
        &a.pubkey(),
        &f.s1,
        0,
        UpdateSplitArgs {
            recipients: recipients(&[(a.pubkey(), 5_000), (a.pubkey(), 5_000)]),
        },
    );
    refused(&mut f.w.h, &[ix], &[&a], RoyaltiesError::DuplicateRecipient).await;
}

#[tokio::test]
async fn bump_canonicalisation() {
    let mut f = fixture().await;
    let subject = TestKeypair::new();
    let subject_key = subject.pubkey();
    let seeds: [&[u8]; 2] = [SPLIT_SEED, subject_key.as_ref()];
    let (forged, _) = non_canonical_pda(&seeds, &ROYALTIES_ID);
    let payer = f.w.h.payer();
    let usdc = f.w.usdc;
    let args = || CreateSplitArgs {
        authority: payer,
        recipients: recipients(&[(payer, 10_000)]),
    };
    // The split at a non-canonical bump.
    let mut ix = ix::royalties::create_split(&payer, &subject_key, &usdc, &TOKEN_PROGRAM_ID, args());
    substitute(&mut ix, &pda::split(&subject_key), &forged);
    refused(&mut f.w.h, &[ix], &[&subject], ErrorCode::ConstraintSeeds).await;
    // Its vault at a non-canonical bump.
    let split = pda::split(&subject_key);
    let v_seeds: [&[u8]; 2] = [VAULT_SEED, split.as_ref()];
    let (forged_vault, _) = non_canonical_pda(&v_seeds, &ROYALTIES_ID);
    let mut ix = ix::royalties::create_split(&payer, &subject_key, &usdc, &TOKEN_PROGRAM_ID, args());
    substitute(&mut ix, &pda::vault(&split), &forged_vault);
    refused(&mut f.w.h, &[ix], &[&subject], ErrorCode::ConstraintSeeds).await;
    // Created splits carry the canonical bumps their later checks re-derive with.
    let s: Split = f.w.h.fetch(&f.s1.clone()).await.unwrap();
    let s_seeds: [&[u8]; 2] = [SPLIT_SEED, s.subject.as_ref()];
    let s1 = f.s1;
    let sv_seeds: [&[u8]; 2] = [VAULT_SEED, s1.as_ref()];
    assert_eq!(s.bump, canonical_bump(&s_seeds, &ROYALTIES_ID));
    assert_eq!(s.vault_bump, canonical_bump(&sv_seeds, &ROYALTIES_ID));
}

#[tokio::test]
async fn pda_sharing() {
    let mut f = fixture().await;
    let a = f.a.insecure_clone();
    let (s1, s2) = (f.s1, f.s2);
    // S1's claim paid from S2's vault.
    let mut ix = f.claim_ix(&s1);
    substitute(&mut ix, &pda::vault(&s1), &pda::vault(&s2));
    refused(&mut f.w.h, &[ix], &[&a], RoyaltiesError::VaultMismatch).await;
    // A deposit credited to S1 but sent to S2's vault.
    let (depositor, source) = f.w.buyer(500).await;
    let mut ix = ix::royalties::deposit(&depositor.pubkey(), &source, &s1, &f.w.usdc, &TOKEN_PROGRAM_ID, 500);
    substitute(&mut ix, &pda::vault(&s1), &pda::vault(&s2));
    refused(&mut f.w.h, &[ix], &[&depositor], RoyaltiesError::VaultMismatch).await;
    // `claim_for` of S1 from S2's vault.
    let payer = f.w.h.payer();
    let b = f.b.pubkey();
    let mut ix = ix::royalties::claim_for(&payer, &b, &s1, &f.w.usdc, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &pda::vault(&s1), &pda::vault(&s2));
    refused(&mut f.w.h, &[ix], &[], RoyaltiesError::VaultMismatch).await;
}

#[tokio::test]
async fn closing_accounts() {
    let mut f = fixture().await;
    let (a, b, s1) = (f.a.insecure_clone(), f.b.insecure_clone(), f.s1);
    let (res, got_a) = claim(&mut f.w, &a, &s1).await;
    res.unwrap();
    let (res, got_b) = claim(&mut f.w, &b, &s1).await;
    res.unwrap();
    assert_eq!(got_a + got_b, 1_000);
    // The emptied vault and the split stay, and keep working.
    let vault = f.w.h.account(&pda::vault(&s1)).await.expect("the vault is not closed");
    assert_eq!(vault.owner, TOKEN_PROGRAM_ID);
    assert_eq!(f.w.h.balance(&pda::vault(&s1)).await, 0);
    deposit(&mut f.w, &s1, 10).await.unwrap();
    let (res, got_a) = claim(&mut f.w, &a, &s1).await;
    res.unwrap();
    assert_eq!(got_a, 6);
}
