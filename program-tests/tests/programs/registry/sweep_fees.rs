//! `sweep_fees`: the protocol fee of each sale accrues in the asset's own fee vault (so sales of
//! different assets share no writable account) and anyone moves it to the current treasury.

use anchor_lang::error::ErrorCode;
use anchor_spl::token::spl_token;
use tessera_client::{
    ix::{self, registry::BuyAccounts},
    pda,
    registry::{
        errors::RegistryError,
        events::FeesSwept,
        instructions::{BuyAccessArgs, UpdateConfigArgs},
    },
    Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    assert_err, substitute, token2022::transfer_fee, world::*, TestKeypair, TestSigner, TxResult,
};

async fn sweep(w: &mut World, asset: &Pubkey, to: &Pubkey) -> TxResult {
    let a = w.asset(asset).await;
    let ix = ix::registry::sweep_fees(asset, &a, to, &TOKEN_PROGRAM_ID);
    w.h.send(&[ix], &[]).await
}

#[tokio::test]
async fn fees_accrue_per_asset_and_anyone_sweeps_them_to_the_treasury() {
    let mut w = World::new(500).await;
    let (_, a) = w.listed(1, USDC, 0).await;
    let (_, b) = w.listed(2, 2 * USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &a, 2, USDC).await.unwrap();
    w.buy(&buyer, &usdc, &b, 1, 2 * USDC).await.unwrap();
    // Each sale's 5% stays with its own asset; the treasury account is not written by a sale.
    assert_eq!(w.h.balance(&pda::fee_vault(&a)).await, 100_000);
    assert_eq!(w.h.balance(&pda::fee_vault(&b)).await, 100_000);
    let treasury = w.treasury_usdc;
    assert_eq!(w.h.balance(&treasury).await, 0);

    // The fee payer is the harness's payer: no signature of the treasury, the admin or the
    // publisher is needed.
    let out = sweep(&mut w, &a, &treasury).await.expect("sweep");
    let ev: FeesSwept = out.event();
    assert_eq!((ev.asset, ev.treasury_token_account), (a, treasury));
    assert_eq!((ev.amount, ev.received), (100_000, 100_000));
    assert_eq!(w.h.balance(&pda::fee_vault(&a)).await, 0);
    assert_eq!(w.h.balance(&treasury).await, 100_000);
    sweep(&mut w, &b, &treasury).await.expect("sweep b");
    assert_eq!(w.h.balance(&treasury).await, 200_000);

    // An empty vault is a no-op (no event), so a batch of sweeps never fails on one asset.
    w.h.refresh_blockhash().await;
    let out = sweep(&mut w, &a, &treasury).await.expect("an empty sweep");
    assert!(out.events::<FeesSwept>().is_empty());
}

#[tokio::test]
async fn a_sweep_goes_to_the_current_treasury_only() {
    let mut w = World::new(500).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();

    // Not the treasury's account.
    let (_, thief_usdc) = w.buyer(0).await;
    assert_err(
        sweep(&mut w, &asset, &thief_usdc).await,
        RegistryError::TreasuryMismatch,
    );

    // The admin moves the treasury after the sale: the accrued fee follows it, the old
    // treasury's account is refused, and the sale needed no treasury account at all.
    let new_treasury = TestKeypair::new().pubkey();
    w.update_config(UpdateConfigArgs {
        treasury: Some(new_treasury),
        ..Default::default()
    })
    .await
    .unwrap();
    let old = w.treasury_usdc;
    assert_err(sweep(&mut w, &asset, &old).await, RegistryError::TreasuryMismatch);
    let usdc_mint = w.usdc;
    let new_ata = w.h.ata(&new_treasury, &usdc_mint, &TOKEN_PROGRAM_ID).await;
    sweep(&mut w, &asset, &new_ata).await.expect("to the new treasury");
    assert_eq!(w.h.balance(&new_ata).await, 50_000);
}

#[tokio::test]
async fn another_assets_vault_or_a_foreign_account_is_refused() {
    let mut w = World::new(500).await;
    let (_, a) = w.listed(1, USDC, 0).await;
    let (_, b) = w.listed(2, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &b, 1, USDC).await.unwrap();
    let treasury = w.treasury_usdc;

    // Sweeping A with B's vault: the seeds bind the vault to the asset.
    let asset_a = w.asset(&a).await;
    let mut ix = ix::registry::sweep_fees(&a, &asset_a, &treasury, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &pda::fee_vault(&a), &pda::fee_vault(&b));
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds);

    // A sale cannot route its fee elsewhere: B's fee vault, or the buyer's own account.
    let mut buy = w.buy_ix(&buyer.pubkey(), &usdc, &a, 1, USDC).await;
    substitute(&mut buy, &pda::fee_vault(&a), &pda::fee_vault(&b));
    assert_err(w.h.send(&[buy], &[&buyer]).await, ErrorCode::ConstraintSeeds);
    let (_, own) = w.buyer(0).await;
    let mut buy = w.buy_ix(&buyer.pubkey(), &usdc, &a, 1, USDC).await;
    substitute(&mut buy, &pda::fee_vault(&a), &own);
    assert_err(w.h.send(&[buy], &[&buyer]).await, ErrorCode::ConstraintSeeds);
    assert_eq!(w.h.balance(&pda::fee_vault(&b)).await, 50_000);
}

#[tokio::test]
async fn a_sweep_is_never_stopped_by_a_pause_a_retirement_or_stray_tokens() {
    let mut w = World::new(500).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    // A stranger sends tokens straight to the fee vault: they are swept with the fees.
    let usdc_mint = w.usdc;
    let gift = spl_token::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &usdc,
        &usdc_mint,
        &pda::fee_vault(&asset),
        &buyer.pubkey(),
        &[],
        7,
        6,
    )
    .unwrap();
    w.h.send(&[gift], &[&buyer]).await.expect("stray tokens");
    w.h.send(
        &[ix::registry::retire_asset(&publisher.pubkey(), &asset)],
        &[&publisher],
    )
    .await
    .expect("retire");
    w.update_config(UpdateConfigArgs {
        paused: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    let treasury = w.treasury_usdc;
    let out = sweep(&mut w, &asset, &treasury).await.expect("paused and retired");
    assert_eq!(out.event::<FeesSwept>().amount, 50_007);
    assert_eq!(w.h.balance(&treasury).await, 50_007);
}

#[tokio::test]
async fn a_transfer_fee_mint_reports_what_the_treasury_received() {
    let mut w = World::new(500).await;
    // 1% Token-2022 transfer fee, capped at 1 USDC.
    let mint = w.h.create_transfer_fee_mint(6, 100, USDC).await;
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(vec![w.usdc, mint]),
        ..Default::default()
    })
    .await
    .unwrap();
    let publisher = w.keypair().await;
    let args = publish_args(1, 10 * USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let publish = ix::registry::publish_asset(&publisher.pubkey(), &mint, &TOKEN_2022_PROGRAM_ID, None, args);
    w.h.send(&[publish], &[&publisher])
        .await
        .expect("publish in a fee mint");

    let buyer = w.keypair().await;
    let paying = w.h.ata(&buyer.pubkey(), &mint, &TOKEN_2022_PROGRAM_ID).await;
    w.h.mint_to(&mint, &paying, &TOKEN_2022_PROGRAM_ID, 10 * USDC).await;
    let a = w.asset(&asset).await;
    let buy = ix::registry::buy_access(
        &BuyAccounts {
            buyer: buyer.pubkey(),
            buyer_payment_account: paying,
            payment_token_program: TOKEN_2022_PROGRAM_ID,
        },
        &asset,
        &a,
        BuyAccessArgs {
            quantity: 1,
            max_unit_price: 10 * USDC,
            min_access_duration: 0,
        },
    );
    w.h.send(&[buy], &[&buyer]).await.expect("buy");
    // The fee (5% of 10) is sent to the vault; the vault receives it less 1%.
    let fee = 500_000;
    let in_vault = fee - transfer_fee(fee, 100, USDC);
    assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, in_vault);

    let treasury = w.treasury.pubkey();
    let to = w.h.ata(&treasury, &mint, &TOKEN_2022_PROGRAM_ID).await;
    let sweep = ix::registry::sweep_fees(&asset, &a, &to, &TOKEN_2022_PROGRAM_ID);
    let out = w.h.send(&[sweep], &[]).await.expect("sweep");
    let ev: FeesSwept = out.event();
    assert_eq!(ev.amount, in_vault);
    assert_eq!(ev.received, in_vault - transfer_fee(in_vault, 100, USDC));
    assert_eq!(w.h.balance(&to).await, ev.received);
    assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, 0);
}
