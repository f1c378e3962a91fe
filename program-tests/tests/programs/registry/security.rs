//! The registry against the Solana attack classes: one test per class, each sending a real
//! instruction with the malicious account or input, asserting the exact error and that no
//! account the transaction referenced changed (`security::refused`).
//!
//! Closing accounts: the registry closes nothing. Assets are retired (a terminal state, kept
//! so passes and lineage stay verifiable) and passes are revoked, never closed; the test of
//! that class checks that those terminal states cannot be undone.
//! Sysvars: the registry reads time with `Clock::get()` (a syscall) and takes no sysvar account
//! (no instructions-sysvar introspection either); the test shows a forged clock account beside
//! the instruction changes nothing.

use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use tessera_client::{
    ix, pda,
    registry::{
        constants::{ASSET_SEED, PASS_SEED},
        errors::RegistryError,
        instructions::InitializeConfigArgs,
        state::AccessPass,
    },
    royalties::errors::RoyaltiesError,
    ESCROW_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{security::*, substitute, world::*, TestKeypair, TestSigner};

const PRICE: u64 = 2 * USDC;

/// A registry with two listed datasets (A and B, 1-hour passes) and a buyer holding a pass of
/// each; the clock at `T`.
struct Fx {
    w: World,
    publisher_a: TestKeypair,
    a: Pubkey,
    b: Pubkey,
    buyer: TestKeypair,
    buyer_usdc: Pubkey,
}

const T: i64 = 1_750_000_000;

async fn fixture() -> Fx {
    let mut w = World::new(100).await;
    w.h.set_time(T).await;
    let (publisher_a, a) = w.listed(1, PRICE, 3_600).await;
    let (_, b) = w.listed(2, PRICE, 3_600).await;
    let (buyer, buyer_usdc) = w.buyer(100 * USDC).await;
    w.buy(&buyer, &buyer_usdc, &a, 2, PRICE).await.unwrap();
    w.buy(&buyer, &buyer_usdc, &b, 2, PRICE).await.unwrap();
    Fx {
        w,
        publisher_a,
        a,
        b,
        buyer,
        buyer_usdc,
    }
}

impl Fx {
    async fn buy_ix(&mut self, asset: &Pubkey) -> tessera_client::Instruction {
        let (b, u) = (self.buyer.pubkey(), self.buyer_usdc);
        self.w.buy_ix(&b, &u, asset, 1, PRICE).await
    }
}

#[tokio::test]
async fn missing_signer() {
    let mut f = fixture().await;
    // The publisher's signature is what allows a revocation.
    let mut ix = ix::registry::revoke_pass(&f.publisher_a.pubkey(), &f.a, &f.buyer.pubkey(), 1);
    unsign(&mut ix, &f.publisher_a.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // The buyer's signature authorises the payment.
    let mut ix = f.buy_ix(&f.a.clone()).await;
    unsign(&mut ix, &f.buyer.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // The holder's signature authorises burning its tokens.
    let mut ix = ix::registry::redeem_access(&f.buyer.pubkey(), &f.a, 1);
    unsign(&mut ix, &f.buyer.pubkey());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
}

#[tokio::test]
async fn account_data_matching() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    // A payment account of another mint.
    let other_mint = f.w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let other = f.w.h.ata(&buyer.pubkey(), &other_mint, &TOKEN_PROGRAM_ID).await;
    f.w.h.mint_to(&other_mint, &other, &TOKEN_PROGRAM_ID, 100 * USDC).await;
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &f.buyer_usdc, &other);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintTokenMint).await;
    // Someone else's payment account (right mint), signed by the buyer.
    let (_, victim_usdc) = f.w.buyer(100 * USDC).await;
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &f.buyer_usdc, &victim_usdc);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintTokenOwner).await;
    // A fee account that is not the asset's fee vault: the buyer's own, or another asset's.
    let (_, own_usdc) = f.w.buyer(0).await;
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &pda::fee_vault(&f.a), &own_usdc);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintSeeds).await;
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &pda::fee_vault(&f.a), &pda::fee_vault(&f.b));
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintSeeds).await;
    // The split of another asset (B's split and vault with A).
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &pda::split(&f.a), &pda::split(&f.b));
    substitute(&mut ix, &pda::vault(&pda::split(&f.a)), &pda::vault(&pda::split(&f.b)));
    refused(&mut f.w.h, &[ix], &[&buyer], RegistryError::SplitMismatch).await;
    // An access-token account of another asset's mint, for verification.
    let mut ix = ix::registry::verify_access(&f.a, &buyer.pubkey());
    let a_tokens = pda::ata(&buyer.pubkey(), &pda::access_mint(&f.a), &TOKEN_PROGRAM_ID);
    let b_tokens = pda::ata(&buyer.pubkey(), &pda::access_mint(&f.b), &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &a_tokens, &b_tokens);
    refused(&mut f.w.h, &[ix], &[], ErrorCode::ConstraintTokenMint).await;
}

#[tokio::test]
async fn owner_checks() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    // Asset A's exact bytes, owned by the royalties program.
    let fake_asset = planted_copy(&mut f.w.h, &f.a.clone(), &ROYALTIES_ID).await;
    let mut ix = ix::registry::redeem_access(&buyer.pubkey(), &f.a, 1);
    substitute(&mut ix, &f.a.clone(), &fake_asset);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::AccountOwnedByWrongProgram).await;
    // The buyer's pass, owned by the escrow program.
    let pass = pda::pass(&f.a, &buyer.pubkey());
    let fake_pass = planted_copy(&mut f.w.h, &pass, &ESCROW_ID).await;
    let mut ix = ix::registry::verify_access(&f.a, &buyer.pubkey());
    substitute(&mut ix, &pass, &fake_pass);
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountOwnedByWrongProgram).await;
    // A token-account layout owned by the system program instead of a token program.
    let fake_usdc = planted_copy(&mut f.w.h, &f.buyer_usdc.clone(), &anchor_lang::system_program::ID).await;
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &f.buyer_usdc.clone(), &fake_usdc);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::AccountOwnedByWrongProgram).await;
}

#[tokio::test]
async fn type_cosplay() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    let pass = pda::pass(&f.a, &buyer.pubkey());
    // A pass (registry-owned) where an asset is expected.
    let mut ix = ix::registry::redeem_access(&buyer.pubkey(), &f.a, 1);
    ix.accounts[1].pubkey = pass; // RedeemAccess: holder, asset, pass, ...
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::AccountDiscriminatorMismatch).await;
    // The config (registry-owned) where a pass is expected.
    let mut ix = ix::registry::verify_access(&f.a, &buyer.pubkey());
    substitute(&mut ix, &pass, &pda::config());
    refused(&mut f.w.h, &[ix], &[], ErrorCode::AccountDiscriminatorMismatch).await;
    // An asset where the config is expected.
    let mut ix = f.buy_ix(&f.a.clone()).await;
    substitute(&mut ix, &pda::config(), &f.b.clone());
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::AccountDiscriminatorMismatch).await;
}

#[tokio::test]
async fn reinitialisation() {
    let mut f = fixture().await;
    // The config.
    let admin = f.w.admin.insecure_clone();
    let attacker = f.w.keypair().await;
    let ix = ix::registry::initialize_config(
        &admin.pubkey(),
        InitializeConfigArgs {
            admin: attacker.pubkey(),
            treasury: attacker.pubkey(),
            fee_bps: 1_000,
            payment_mints: vec![],
        },
    );
    refused(&mut f.w.h, &[ix], &[&admin], ErrorCode::AccountNotSystemOwned).await;
    // The asset and its access mint (same publisher, same content hash).
    let publisher = f.publisher_a.insecure_clone();
    let ix = f.w.publish_ix(
        &publisher.pubkey(),
        publish_args(1, 1, 0, &[(publisher.pubkey(), 10_000)]),
    );
    refused(&mut f.w.h, &[ix], &[&publisher], ErrorCode::AccountNotSystemOwned).await;
    // The pass is loaded when it exists (created otherwise), and the access-token account is
    // `init_if_needed`: a second purchase extends them and never resets what they hold.
    let buyer = f.buyer.insecure_clone();
    let before: AccessPass = f.w.pass(&f.a, &buyer.pubkey()).await.unwrap();
    let tokens = pda::ata(&buyer.pubkey(), &pda::access_mint(&f.a), &TOKEN_PROGRAM_ID);
    let (a, u) = (f.a, f.buyer_usdc);
    f.w.buy(&buyer, &u, &a, 1, PRICE).await.unwrap();
    let after = f.w.pass(&a, &buyer.pubkey()).await.unwrap();
    assert_eq!(
        (after.purchased, after.expires_at),
        (before.purchased + 1, before.expires_at + 3_600)
    );
    assert_eq!(
        (after.holder, after.asset, after.bump),
        (before.holder, before.asset, before.bump)
    );
    assert_eq!(f.w.h.balance(&tokens).await, 3);
}

#[tokio::test]
async fn arbitrary_cpi() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    let a = f.a;
    // A fake token program for the payment (another executable program).
    let mut ix = f.buy_ix(&a).await;
    ix.accounts
        .iter_mut()
        .filter(|m| m.pubkey == TOKEN_PROGRAM_ID)
        .for_each(|m| m.pubkey = ESCROW_ID);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::InvalidProgramId).await;
    // A fake royalties program.
    let mut ix = f.buy_ix(&a).await;
    substitute(&mut ix, &ROYALTIES_ID, &ESCROW_ID);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::InvalidProgramId).await;
    // Token-2022 as the access-token program (the access mint is SPL Token's).
    let mut ix = f.buy_ix(&a).await;
    let n = ix.accounts.iter().rposition(|m| m.pubkey == TOKEN_PROGRAM_ID).unwrap();
    replace_nth(&mut ix, n, &TOKEN_2022_PROGRAM_ID);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::InvalidProgramId).await;
    // A forged event authority for the royalties program: its `deposit` refuses it (CPI).
    let mut ix = f.buy_ix(&a).await;
    substitute(&mut ix, &pda::event_authority(&ROYALTIES_ID), &Pubkey::new_unique());
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintAddress).await;
    // A fake royalties program at publication.
    let publisher = f.w.keypair().await;
    let mut ix = f.w.publish_ix(
        &publisher.pubkey(),
        publish_args(9, PRICE, 0, &[(publisher.pubkey(), 10_000)]),
    );
    substitute(&mut ix, &ROYALTIES_ID, &REGISTRY_ID);
    refused(&mut f.w.h, &[ix], &[&publisher], ErrorCode::InvalidProgramId).await;
}

#[tokio::test]
async fn duplicate_mutable_accounts() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    let a = f.a;
    // The buyer's own payment account as the fee vault.
    let mut ix = f.buy_ix(&a).await;
    substitute(&mut ix, &pda::fee_vault(&a), &f.buyer_usdc.clone());
    refused(
        &mut f.w.h,
        &[ix],
        &[&buyer],
        ErrorCode::ConstraintDuplicateMutableAccount,
    )
    .await;
    // The split's vault as the buyer's payment account (the vault is an unchecked account of
    // `buy_access`, which Anchor's duplicate check skips; the token-authority check refuses it:
    // the vault belongs to the split, not to the buyer).
    let vault = pda::vault(&pda::split(&a));
    let mut ix = f.buy_ix(&a).await;
    substitute(&mut ix, &f.buyer_usdc.clone(), &vault);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintTokenOwner).await;
    // A model's parent passed twice (its split and vault in place of the other parent's): the
    // remaining accounts are matched one by one against the parents stored in the asset.
    let (d1, d2) = (f.a, f.b);
    let model_pub = f.w.keypair().await;
    let model =
        f.w.publish_model(
            &model_pub,
            3,
            PRICE,
            &[(d1, 1_000), (d2, 1_000)],
            &[(model_pub.pubkey(), 10_000)],
        )
        .await
        .unwrap();
    let mut ix = f.buy_ix(&model).await;
    let n = ix.accounts.len();
    ix.accounts[n - 2].pubkey = pda::split(&d1);
    ix.accounts[n - 1].pubkey = pda::vault(&pda::split(&d1));
    refused(&mut f.w.h, &[ix], &[&buyer], RegistryError::SplitMismatch).await;
}

#[tokio::test]
async fn bump_canonicalisation() {
    let mut f = fixture().await;
    // A pass at a non-canonical bump of the buyer's seeds: the `seeds` constraint derives the
    // canonical address only.
    let buyer = f.buyer.insecure_clone();
    let (a, b) = (f.a, f.b);
    let buyer_key = buyer.pubkey();
    let seeds: [&[u8]; 3] = [PASS_SEED, a.as_ref(), buyer_key.as_ref()];
    let (forged, bump) = non_canonical_pda(&seeds, &REGISTRY_ID);
    let canonical = canonical_bump(&seeds, &REGISTRY_ID);
    assert!(bump < canonical);
    let newcomer = f.w.keypair().await;
    let newcomer_usdc =
        f.w.h
            .ata(&newcomer.pubkey(), &f.w.usdc.clone(), &TOKEN_PROGRAM_ID)
            .await;
    let usdc = f.w.usdc;
    f.w.h.mint_to(&usdc, &newcomer_usdc, &TOKEN_PROGRAM_ID, 10 * USDC).await;
    let newcomer_key = newcomer.pubkey();
    let n_seeds: [&[u8]; 3] = [PASS_SEED, b.as_ref(), newcomer_key.as_ref()];
    let (n_forged, _) = non_canonical_pda(&n_seeds, &REGISTRY_ID);
    let mut ix = f.w.buy_ix(&newcomer.pubkey(), &newcomer_usdc, &b, 1, PRICE).await;
    substitute(&mut ix, &pda::pass(&b, &newcomer.pubkey()), &n_forged);
    refused(&mut f.w.h, &[ix], &[&newcomer], ErrorCode::ConstraintSeeds).await;
    // An asset at a non-canonical bump.
    let publisher = f.w.keypair().await;
    let args = publish_args(7, PRICE, 0, &[(publisher.pubkey(), 10_000)]);
    let hash = args.content_hash;
    let publisher_key = publisher.pubkey();
    let a_seeds: [&[u8]; 3] = [ASSET_SEED, publisher_key.as_ref(), hash.as_ref()];
    let (asset_forged, _) = non_canonical_pda(&a_seeds, &REGISTRY_ID);
    let mut ix = f.w.publish_ix(&publisher.pubkey(), args);
    substitute(&mut ix, &pda::asset(&publisher.pubkey(), &hash), &asset_forged);
    refused(&mut f.w.h, &[ix], &[&publisher], ErrorCode::ConstraintSeeds).await;
    // What the registry created carries the canonical bump, which later checks re-derive with.
    assert_eq!(f.w.pass(&a, &buyer.pubkey()).await.unwrap().bump, canonical);
    let asset = f.w.asset(&a).await;
    let a_seeds: [&[u8]; 3] = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()];
    assert_eq!(asset.bump, canonical_bump(&a_seeds, &REGISTRY_ID));
    assert!(f.w.h.account(&forged).await.is_none());
}

#[tokio::test]
async fn pda_sharing() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    let (a, b) = (f.a, f.b);
    // Asset B redeemed with the buyer's pass of A.
    let mut ix = ix::registry::redeem_access(&buyer.pubkey(), &b, 1);
    substitute(
        &mut ix,
        &pda::pass(&b, &buyer.pubkey()),
        &pda::pass(&a, &buyer.pubkey()),
    );
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintSeeds).await;
    // Access to B verified with the pass of A.
    let mut ix = ix::registry::verify_access(&b, &buyer.pubkey());
    substitute(
        &mut ix,
        &pda::pass(&b, &buyer.pubkey()),
        &pda::pass(&a, &buyer.pubkey()),
    );
    refused(&mut f.w.h, &[ix], &[], ErrorCode::ConstraintSeeds).await;
    // B bought with A's access mint (and the buyer's account of that mint).
    let mut ix = f.buy_ix(&b).await;
    substitute(&mut ix, &pda::access_mint(&b), &pda::access_mint(&a));
    let (a_tokens, b_tokens) = (
        pda::ata(&buyer.pubkey(), &pda::access_mint(&a), &TOKEN_PROGRAM_ID),
        pda::ata(&buyer.pubkey(), &pda::access_mint(&b), &TOKEN_PROGRAM_ID),
    );
    substitute(&mut ix, &b_tokens, &a_tokens);
    refused(&mut f.w.h, &[ix], &[&buyer], ErrorCode::ConstraintAddress).await;
    // B bought with its own split but A's vault: the royalties program refuses (CPI).
    let mut ix = f.buy_ix(&b).await;
    substitute(&mut ix, &pda::vault(&pda::split(&b)), &pda::vault(&pda::split(&a)));
    refused(&mut f.w.h, &[ix], &[&buyer], RoyaltiesError::VaultMismatch).await;
}

#[tokio::test]
async fn closing_accounts() {
    let mut f = fixture().await;
    let publisher = f.publisher_a.insecure_clone();
    let buyer = f.buyer.insecure_clone();
    let a = f.a;
    // A revoked pass cannot be revived by buying again, nor revoked twice.
    let ix = ix::registry::revoke_pass(&publisher.pubkey(), &a, &buyer.pubkey(), 7);
    f.w.h.send(&[ix.clone()], &[&publisher]).await.unwrap();
    let ix2 = ix::registry::revoke_pass(&publisher.pubkey(), &a, &buyer.pubkey(), 8);
    refused(&mut f.w.h, &[ix2], &[&publisher], RegistryError::PassAlreadyRevoked).await;
    let buy = f.buy_ix(&a).await;
    refused(&mut f.w.h, &[buy], &[&buyer], RegistryError::PassRevoked).await;
    // A retired asset stays retired: no relisting, no sales.
    f.w.h
        .send(&[ix::registry::retire_asset(&publisher.pubkey(), &a)], &[&publisher])
        .await
        .unwrap();
    let relist = ix::registry::relist_asset(&publisher.pubkey(), &a);
    refused(
        &mut f.w.h,
        &[relist],
        &[&publisher],
        RegistryError::InvalidStateTransition,
    )
    .await;
    let (other, other_usdc) = f.w.buyer(10 * USDC).await;
    let buy = f.w.buy_ix(&other.pubkey(), &other_usdc, &a, 1, PRICE).await;
    refused(&mut f.w.h, &[buy], &[&other], RegistryError::AssetNotListed).await;
}

#[tokio::test]
async fn sysvar_address_checks() {
    let mut f = fixture().await;
    let buyer = f.buyer.insecure_clone();
    let a = f.a;
    f.w.h.set_time(T + 3 * 3_600).await; // the pass (2 units of 1 hour) has expired
                                         // A Clock-shaped account telling an earlier time, appended to the instruction: ignored.
    let clock = fake_clock(&mut f.w.h, T).await;
    let mut ix = ix::registry::verify_access(&a, &buyer.pubkey());
    ix.accounts
        .push(anchor_lang::prelude::AccountMeta::new_readonly(clock, false));
    refused(&mut f.w.h, &[ix], &[], RegistryError::PassExpired).await;
    let mut ix = ix::registry::redeem_access(&buyer.pubkey(), &a, 1);
    ix.accounts
        .push(anchor_lang::prelude::AccountMeta::new_readonly(clock, false));
    refused(&mut f.w.h, &[ix], &[&buyer], RegistryError::PassExpired).await;
}
