//! Audit of the per-asset fee vault (`publish_asset` creates it, `buy_access` pays the protocol
//! fee into it, the permissionless `sweep_fees` empties it into a treasury account).
//!
//! The tests named `finding_*` pass by asserting the behaviour the audit reports (they document
//! it; they do not ask for a change): see the audit report for severity and proposed fixes.

use anchor_lang::error::ErrorCode;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{interest_bearing_mint, scaled_ui_amount, ExtensionType},
    instruction::AuthorityType,
};
use tessera_client::{
    ix::{self, registry::BuyAccounts},
    pda,
    registry::{
        events::FeesSwept,
        instructions::{BuyAccessArgs, UpdateConfigArgs},
    },
    Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    assert_err, assert_ix_err, substitute, token2022::transfer_fee, world::*, InstructionError, TestKeypair,
    TestSigner, TxResult,
};

/// The least a system account may hold (rent-exempt with no data): what an attacker pays.
const MIN_PREFUND: u64 = 890_880;

/// A stranger sends `lamports` to `address` with a system transfer.
async fn prefund(w: &mut World, address: &Pubkey, lamports: u64) {
    let stranger = w.h.funded_keypair(lamports + SOL).await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), address, lamports);
    w.h.send(&[ix], &[&stranger]).await.expect("the stranger's transfer");
}

async fn rent(w: &mut World, len: usize) -> u64 {
    w.h.ctx
        .banks_client
        .get_rent()
        .await
        .expect("rent")
        .minimum_balance(len)
}

/// Allows `mint` (besides the test USDC) and publishes a 10-unit dataset paid in it (Token-2022).
async fn publish_in(w: &mut World, mint: &Pubkey, seed: u8) -> Pubkey {
    let publisher = w.keypair().await;
    let args = publish_args(seed, 10 * USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let publish = ix::registry::publish_asset(&publisher.pubkey(), mint, &TOKEN_2022_PROGRAM_ID, None, args);
    w.h.send(&[publish], &[&publisher])
        .await
        .expect("publish in a Token-2022 mint");
    asset
}

async fn allow(w: &mut World, mints: &[Pubkey]) {
    let mut all = vec![w.usdc];
    all.extend_from_slice(mints);
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(all),
        ..Default::default()
    })
    .await
    .unwrap();
}

/// A Token-2022 buyer holding `amount` of `mint`.
async fn t22_buyer(w: &mut World, mint: &Pubkey, amount: u64) -> (TestKeypair, Pubkey) {
    let buyer = w.keypair().await;
    let paying = w.h.ata(&buyer.pubkey(), mint, &TOKEN_2022_PROGRAM_ID).await;
    w.h.mint_to(mint, &paying, &TOKEN_2022_PROGRAM_ID, amount).await;
    (buyer, paying)
}

async fn t22_buy(w: &mut World, buyer: &TestKeypair, paying: &Pubkey, asset: &Pubkey) -> TxResult {
    let a = w.asset(asset).await;
    let buy = ix::registry::buy_access(
        &BuyAccounts {
            buyer: buyer.pubkey(),
            buyer_payment_account: *paying,
            payment_token_program: TOKEN_2022_PROGRAM_ID,
        },
        asset,
        &a,
        BuyAccessArgs {
            quantity: 1,
            max_unit_price: a.price,
            min_access_duration: 0,
        },
    );
    w.h.send(&[buy], &[buyer]).await
}

async fn sweep_to(w: &mut World, asset: &Pubkey, to: &Pubkey, program: &Pubkey) -> TxResult {
    let a = w.asset(asset).await;
    w.h.refresh_blockhash().await;
    w.h.send(&[ix::registry::sweep_fees(asset, &a, to, program)], &[]).await
}

// ------------------------------------------------------------------------------------------
// Pre-funding and creation of the fee vault (no finding: these hold).

#[tokio::test]
async fn publish_succeeds_on_a_prefunded_fee_vault_address() {
    let mut w = World::new(500).await;
    let publisher = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let vault = pda::fee_vault(&asset);
    // More than a token account's rent: the surplus stays in the vault as lamports.
    prefund(&mut w, &vault, 2 * SOL).await;
    w.publish(&publisher, args)
        .await
        .expect("publish over a pre-funded fee vault address");
    let acc = w.h.account(&vault).await.unwrap();
    assert_eq!(
        (acc.owner, acc.data.len(), acc.lamports),
        (TOKEN_PROGRAM_ID, 165, 2 * SOL)
    );
    // It takes fees and sweeps like any other vault; the lamports stay.
    let (buyer, usdc) = w.buyer(USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("a sale");
    let treasury = w.treasury_usdc;
    sweep_to(&mut w, &asset, &treasury, &TOKEN_PROGRAM_ID)
        .await
        .expect("sweep");
    assert_eq!(w.h.balance(&treasury).await, 50_000);
    assert_eq!(w.h.lamports(&vault).await, 2 * SOL);
}

/// A Token-2022 fee vault is sized for the mint's required account extensions
/// (`TransferFeeAmount`) and is created over a pre-funding too.
#[tokio::test]
async fn publish_in_a_transfer_fee_mint_succeeds_on_a_prefunded_fee_vault_address() {
    let mut w = World::new(500).await;
    let mint = w.h.create_transfer_fee_mint(6, 100, USDC).await;
    allow(&mut w, &[mint]).await;
    let publisher = w.keypair().await;
    let args = publish_args(2, 10 * USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let vault = pda::fee_vault(&asset);
    prefund(&mut w, &vault, MIN_PREFUND).await;
    let publish = ix::registry::publish_asset(&publisher.pubkey(), &mint, &TOKEN_2022_PROGRAM_ID, None, args);
    w.h.send(&[publish], &[&publisher])
        .await
        .expect("publish over a pre-funded Token-2022 fee vault");
    let acc = w.h.account(&vault).await.unwrap();
    let len =
        ExtensionType::try_calculate_account_len::<spl_token_2022::state::Account>(&[ExtensionType::TransferFeeAmount])
            .unwrap();
    assert_eq!((acc.owner, acc.data.len()), (TOKEN_2022_PROGRAM_ID, len));
    let r = rent(&mut w, len).await;
    assert_eq!(acc.lamports, r.max(MIN_PREFUND));
}

/// Every supported Token-2022 payment-mint extension that has no account counterpart still gets
/// a fee vault (interest-bearing and scaled-UI mints: no account extension required).
#[tokio::test]
async fn publish_creates_fee_vaults_for_interest_bearing_and_scaled_ui_mints() {
    let mut w = World::new(500).await;
    let authority = w.h.payer();
    let interest =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::InterestBearingConfig], |m| {
            vec![
                interest_bearing_mint::instruction::initialize(&TOKEN_2022_PROGRAM_ID, m, Some(authority), 500)
                    .unwrap(),
            ]
        })
        .await;
    let scaled =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::ScaledUiAmount], |m| {
            vec![scaled_ui_amount::instruction::initialize(&TOKEN_2022_PROGRAM_ID, m, Some(authority), 2.0).unwrap()]
        })
        .await;
    allow(&mut w, &[interest, scaled]).await;
    for (i, mint) in [interest, scaled].into_iter().enumerate() {
        let asset = publish_in(&mut w, &mint, 60 + i as u8).await;
        let (buyer, paying) = t22_buyer(&mut w, &mint, 10 * USDC).await;
        t22_buy(&mut w, &buyer, &paying, &asset).await.expect("a sale");
        assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, 500_000);
    }
}

// ------------------------------------------------------------------------------------------
// Substitutions (no finding: refused).

#[tokio::test]
async fn a_sweep_of_one_asset_cannot_use_another_assets_account_or_mint() {
    let mut w = World::new(500).await;
    let (_, a) = w.listed(1, USDC, 0).await;
    let (_, b) = w.listed(2, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &a, 1, USDC).await.unwrap();
    let treasury = w.treasury_usdc;
    let asset_a = w.asset(&a).await;

    // B's asset account with A's vault: the vault is not B's fee vault.
    let mut ix = ix::registry::sweep_fees(&a, &asset_a, &treasury, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &a, &b);
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds);

    // Another mint (allow-listed Token-2022, with a treasury account in it): not the asset's.
    let other = w.h.create_transfer_fee_mint(6, 0, 0).await;
    let treasury_key = w.treasury.pubkey();
    let other_ata = w.h.ata(&treasury_key, &other, &TOKEN_2022_PROGRAM_ID).await;
    let mut ix = ix::registry::sweep_fees(&a, &asset_a, &other_ata, &TOKEN_2022_PROGRAM_ID);
    substitute(&mut ix, &asset_a.payment_mint, &other);
    // (the vault's `token::mint` is checked before the mint's stored address)
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintTokenMint);

    // Token-2022 as the program of an SPL Token vault.
    let mut ix = ix::registry::sweep_fees(&a, &asset_a, &treasury, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &TOKEN_PROGRAM_ID, &TOKEN_2022_PROGRAM_ID);
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintTokenTokenProgram);

    assert_eq!(w.h.balance(&pda::fee_vault(&a)).await, 50_000);
    assert_eq!(w.h.balance(&treasury).await, 0);
}

// ------------------------------------------------------------------------------------------
// Findings (documented; each test passes by showing the behaviour).

/// FINDING (low): with a transfer-fee payment mint every fee now pays the transfer fee twice
/// (buyer → fee vault, fee vault → treasury), and because anyone may sweep at any time, a
/// stranger who sweeps after every sale makes the treasury pay the percentage fee on each small
/// sweep instead of the per-transfer cap once: here 4 sales of 10 units at 5% protocol fee,
/// 1% transfer fee capped at 0.01 unit.
#[tokio::test]
async fn finding_frequent_sweeps_by_a_stranger_defeat_the_transfer_fee_cap() {
    let mut w = World::new(500).await;
    let cap = 10_000;
    let mint = w.h.create_transfer_fee_mint(6, 100, cap).await;
    allow(&mut w, &[mint]).await;
    let griefed = publish_in(&mut w, &mint, 70).await;
    let patient = publish_in(&mut w, &mint, 71).await;
    let treasury_key = w.treasury.pubkey();
    let to_griefed =
        w.h.create_token_account(&treasury_key, &mint, &TOKEN_2022_PROGRAM_ID)
            .await;
    let to_patient =
        w.h.create_token_account(&treasury_key, &mint, &TOKEN_2022_PROGRAM_ID)
            .await;
    let (buyer, paying) = t22_buyer(&mut w, &mint, 100 * USDC).await;

    let fee = 500_000; // 5% of 10 units
    let in_vault = fee - transfer_fee(fee, 100, cap); // 495_000 (first leg, as before the change)
    for _ in 0..4 {
        t22_buy(&mut w, &buyer, &paying, &griefed).await.expect("sale");
        w.h.refresh_blockhash().await;
        t22_buy(&mut w, &buyer, &paying, &patient).await.expect("sale");
        // A stranger sweeps the griefed asset's vault after each sale (the harness payer signs).
        sweep_to(&mut w, &griefed, &to_griefed, &TOKEN_2022_PROGRAM_ID)
            .await
            .expect("a stranger's sweep");
    }
    let out = sweep_to(&mut w, &patient, &to_patient, &TOKEN_2022_PROGRAM_ID)
        .await
        .expect("one sweep");
    let ev: FeesSwept = out.event();
    assert_eq!(ev.amount, 4 * in_vault);

    let griefed_received = w.h.balance(&to_griefed).await;
    let patient_received = w.h.balance(&to_patient).await;
    assert_eq!(griefed_received, 4 * (in_vault - transfer_fee(in_vault, 100, cap)));
    assert_eq!(patient_received, 4 * in_vault - cap);
    // Before the change the treasury received 4 × 495_000 = 1_980_000.
    assert_eq!((griefed_received, patient_received), (1_960_200, 1_970_000));
    // The stranger's sweeps cost the treasury 9_800 more than one sweep (and 19_800 in all
    // against the direct payment of before); the extra fees are withheld for the mint's
    // withdraw-withheld authority (who would profit by being the stranger).
    assert_eq!(patient_received - griefed_received, 9_800);
}

/// FINDING (informational): the sweep's destination is any account of the payment mint whose
/// owner is the treasury, not its associated account; a stranger can create such an account
/// (here: as its own, keeping itself as close authority, then handing the ownership to the
/// treasury) and sweep every vault into it. The tokens are the treasury's (it can move them,
/// and the stranger cannot close a non-empty account), but they land outside the account the
/// CLI, SDK, conservation and indexer tooling watch.
#[tokio::test]
async fn finding_a_stranger_can_sweep_into_a_treasury_owned_account_of_its_making() {
    let mut w = World::new(500).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();

    let stranger = w.keypair().await;
    let usdc_mint = w.usdc;
    let odd =
        w.h.create_token_account(&stranger.pubkey(), &usdc_mint, &TOKEN_PROGRAM_ID)
            .await;
    let close = spl_token_2022::instruction::set_authority(
        &TOKEN_PROGRAM_ID,
        &odd,
        Some(&stranger.pubkey()),
        AuthorityType::CloseAccount,
        &stranger.pubkey(),
        &[],
    )
    .unwrap();
    let treasury = w.treasury.insecure_clone();
    let give = spl_token_2022::instruction::set_authority(
        &TOKEN_PROGRAM_ID,
        &odd,
        Some(&treasury.pubkey()),
        AuthorityType::AccountOwner,
        &stranger.pubkey(),
        &[],
    )
    .unwrap();
    // It also makes itself the delegate of everything first: the owner change clears that.
    let approve = spl_token_2022::instruction::approve(
        &TOKEN_PROGRAM_ID,
        &odd,
        &stranger.pubkey(),
        &stranger.pubkey(),
        &[],
        u64::MAX,
    )
    .unwrap();
    w.h.send(&[approve, close, give], &[&stranger])
        .await
        .expect("hand over");

    let out = sweep_to(&mut w, &asset, &odd, &TOKEN_PROGRAM_ID)
        .await
        .expect("a sweep into the stranger's account");
    assert_eq!(out.event::<FeesSwept>().treasury_token_account, odd);
    assert_eq!(w.h.balance(&odd).await, 50_000);
    assert_eq!(
        w.h.balance(&w.treasury_usdc.clone()).await,
        0,
        "not in the treasury's ATA"
    );
    let state: spl_token_2022::state::Account =
        anchor_lang::solana_program::program_pack::Pack::unpack(&w.h.account(&odd).await.unwrap().data).unwrap();
    assert_eq!(
        (
            state.owner,
            state.close_authority,
            state.delegate,
            state.delegated_amount
        ),
        (treasury.pubkey(), Some(stranger.pubkey()).into(), None.into(), 0),
        "the stranger is still its close authority (not its delegate)"
    );
    // It cannot close it while it holds the fees; the treasury can move them.
    let close_ix = spl_token_2022::instruction::close_account(
        &TOKEN_PROGRAM_ID,
        &odd,
        &stranger.pubkey(),
        &stranger.pubkey(),
        &[],
    )
    .unwrap();
    // SPL Token's NonNativeHasBalance (11).
    assert_ix_err(w.h.send(&[close_ix], &[&stranger]).await, InstructionError::Custom(11));
    let treasury_ata = w.treasury_usdc;
    let back = spl_token_2022::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &odd,
        &usdc_mint,
        &treasury_ata,
        &treasury.pubkey(),
        &[],
        50_000,
        6,
    )
    .unwrap();
    let fund = solana_system_interface::instruction::transfer(&w.h.payer(), &treasury.pubkey(), SOL);
    w.h.send(&[fund], &[]).await.unwrap();
    w.h.send(&[back], &[&treasury]).await.expect("the treasury recovers");
    assert_eq!(w.h.balance(&treasury_ata).await, 50_000);
}

/// Audit F3 (low, fixed): a payment mint with a freeze authority (USDC has one) can freeze an
/// asset's fee vault; that asset's sales then fail (as when it freezes the split vault: no new
/// actor gains power, and the docs say so). A sweep of a frozen vault is a no-op, so a batch
/// sweep of many assets does not fail on it; once thawed, its fees are swept.
#[tokio::test]
async fn the_mint_freeze_authority_can_freeze_a_fee_vault_and_stop_sales_but_not_a_batch_sweep() {
    let mut w = World::new(500).await;
    // A USDC-like SPL mint with a freeze authority (the harness payer).
    let mint = TestKeypair::new();
    let payer = w.h.payer();
    let r = rent(&mut w, 82).await;
    let create = solana_system_interface::instruction::create_account(&payer, &mint.pubkey(), r, 82, &TOKEN_PROGRAM_ID);
    let init =
        spl_token_2022::instruction::initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), &payer, Some(&payer), 6)
            .unwrap();
    w.h.send(&[create, init], &[&mint]).await.expect("mint");
    let mint = mint.pubkey();
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(vec![w.usdc, mint]),
        ..Default::default()
    })
    .await
    .unwrap();
    let publisher = w.keypair().await;
    let args = publish_args(80, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let publish = ix::registry::publish_asset(&publisher.pubkey(), &mint, &TOKEN_PROGRAM_ID, None, args);
    w.h.send(&[publish], &[&publisher]).await.expect("publish");
    let buyer = w.keypair().await;
    let paying = w.h.ata(&buyer.pubkey(), &mint, &TOKEN_PROGRAM_ID).await;
    w.h.mint_to(&mint, &paying, &TOKEN_PROGRAM_ID, 10 * USDC).await;
    let a = w.asset(&asset).await;
    let buy = |n: u64| {
        ix::registry::buy_access(
            &BuyAccounts {
                buyer: buyer.pubkey(),
                buyer_payment_account: paying,
                payment_token_program: TOKEN_PROGRAM_ID,
            },
            &asset,
            &a,
            BuyAccessArgs {
                quantity: n,
                max_unit_price: USDC,
                min_access_duration: 0,
            },
        )
    };
    w.h.send(&[buy(1)], &[&buyer]).await.expect("a sale");
    let freeze =
        spl_token_2022::instruction::freeze_account(&TOKEN_PROGRAM_ID, &pda::fee_vault(&asset), &mint, &payer, &[])
            .unwrap();
    w.h.send(&[freeze], &[])
        .await
        .expect("the freeze authority freezes the fee vault");
    // Sales stop: SPL Token's AccountFrozen (17).
    assert_ix_err(w.h.send(&[buy(2)], &[&buyer]).await, InstructionError::Custom(17));
    let treasury_key = w.treasury.pubkey();
    let to = w.h.ata(&treasury_key, &mint, &TOKEN_PROGRAM_ID).await;
    // Its fees stay in it, safe; a sweep of it is a no-op, so a batch sweep does not fail.
    sweep_to(&mut w, &asset, &to, &TOKEN_PROGRAM_ID)
        .await
        .expect("a frozen vault's sweep is a no-op");
    assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, 50_000);
    assert_eq!(w.h.balance(&to).await, 0);
    // Thawed, the fees are swept.
    let thaw =
        spl_token_2022::instruction::thaw_account(&TOKEN_PROGRAM_ID, &pda::fee_vault(&asset), &mint, &payer, &[])
            .unwrap();
    w.h.send(&[thaw], &[]).await.expect("thaw");
    sweep_to(&mut w, &asset, &to, &TOKEN_PROGRAM_ID).await.expect("sweep");
    assert_eq!(w.h.balance(&to).await, 50_000);
}

/// FINDING (document only): `fee_vault_bump` was inserted in the middle of `Asset` (after
/// `access_mint_bump`, offset 256), so an asset account written before the change (one byte
/// shorter, every later field one byte earlier) no longer decodes as what it was, and it has no
/// fee vault: it cannot be sold, swept or verified, and no instruction migrates it.
#[tokio::test]
async fn finding_an_asset_published_before_the_change_is_unusable() {
    use anchor_lang::AccountDeserialize;
    use tessera_client::registry::state::Asset;
    let mut w = World::new(500).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    let new_layout = w.asset(&asset).await;
    let a = w.h.account(&asset).await.unwrap();
    assert_eq!(a.data[256], new_layout.fee_vault_bump, "fee_vault_bump at offset 256");

    // The same asset in the layout of before: without the byte; no fee vault.
    let mut old = a.clone();
    old.data.remove(256);
    w.h.ctx.set_account(&asset, &old.into());
    let vault = pda::fee_vault(&asset);
    let empty = solana_account::Account::new(0, 0, &anchor_lang::system_program::ID);
    w.h.ctx.set_account(&vault, &empty.into());
    let data = w.h.account(&asset).await.unwrap().data;
    // (no previous version, no successor, no parents: the URI's length is read as the parents'
    // count, and the rest runs out)
    assert!(
        Asset::try_deserialize(&mut data.as_slice()).is_err(),
        "an old asset no longer decodes"
    );
    let buy = ix::registry::buy_access(
        &BuyAccounts {
            buyer: buyer.pubkey(),
            buyer_payment_account: usdc,
            payment_token_program: TOKEN_PROGRAM_ID,
        },
        &asset,
        &new_layout,
        BuyAccessArgs {
            quantity: 1,
            max_unit_price: USDC,
            min_access_duration: 0,
        },
    );
    // An old asset does not sell, nor sweep.
    assert_err(w.h.send(&[buy], &[&buyer]).await, ErrorCode::AccountDidNotDeserialize);
    let treasury = w.treasury_usdc;
    let sweep = ix::registry::sweep_fees(&asset, &new_layout, &treasury, &TOKEN_PROGRAM_ID);
    assert_err(w.h.send(&[sweep], &[]).await, ErrorCode::AccountDidNotDeserialize);
}
