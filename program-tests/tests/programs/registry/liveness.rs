//! Liveness: what a stranger does (tokens sent to any account, lamports sent to any address, a
//! token account closed) or what the admin changes later never blocks a sale, a redemption, a
//! verification or a revocation. What does stop them is by design and documented: the
//! admin's pause (sales and publications only), the publisher's delisting, retirement and
//! revocation, and a pass's expiry.

use anchor_spl::token::spl_token;
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, instructions::UpdateConfigArgs},
    Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner};

/// A token account of `owner` for `mint` at a fresh, non-associated address.
async fn token_account(w: &mut World, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    let account = TestKeypair::new();
    let rent = w.h.ctx.banks_client.get_rent().await.unwrap().minimum_balance(165);
    let create = solana_system_interface::instruction::create_account(
        &w.h.payer(),
        &account.pubkey(),
        rent,
        165,
        &TOKEN_PROGRAM_ID,
    );
    let init = spl_token::instruction::initialize_account3(&TOKEN_PROGRAM_ID, &account.pubkey(), mint, owner).unwrap();
    w.h.send(&[create, init], &[&account]).await.expect("token account");
    account.pubkey()
}

/// The allow-list governs new publications only. It holds at most 8 mints, so an admin making
/// room for a new mint must drop one: that used to stop every sale of every asset priced in the
/// dropped mint, for good (an asset's payment mint never changes).
#[tokio::test]
async fn sales_continue_after_the_payment_mint_leaves_the_allow_list() {
    let mut w = World::new(100).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let other = w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(vec![other]),
        ..Default::default()
    })
    .await
    .unwrap();
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 2, USDC)
        .await
        .expect("the listed asset still sells");
    assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, 20_000);
    assert_eq!(w.vault_balance(&asset).await, 2 * USDC - 20_000);
    // New publications in the dropped mint are refused.
    let args = publish_args(2, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    assert_err(
        w.publish(&publisher, args).await.map(|_| Default::default()),
        RegistryError::PaymentMintNotAllowed,
    );
}

/// The admin moves the treasury: sales go on without any treasury account (the fee accrues in
/// the asset's fee vault), and `sweep_fees` pays the new treasury through any of its token
/// accounts; its associated account is created by anyone in the same transaction.
#[tokio::test]
async fn a_new_treasury_is_paid_through_any_of_its_token_accounts() {
    let mut w = World::new(500).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let new_treasury = TestKeypair::new().pubkey();
    w.update_config(UpdateConfigArgs {
        treasury: Some(new_treasury),
        ..Default::default()
    })
    .await
    .unwrap();
    let (buyer, usdc) = w.buyer(3 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC)
        .await
        .expect("a sale needs no treasury account");
    let a = w.asset(&asset).await;

    // The old treasury's account is refused.
    let old = w.treasury_usdc;
    assert_err(
        w.h.send(&[ix::registry::sweep_fees(&asset, &a, &old, &TOKEN_PROGRAM_ID)], &[])
            .await,
        RegistryError::TreasuryMismatch,
    );

    let usdc_mint = w.usdc;
    let create = anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        &buyer.pubkey(),
        &new_treasury,
        &usdc_mint,
        &TOKEN_PROGRAM_ID,
    );
    let new_ata = pda::ata(&new_treasury, &usdc_mint, &TOKEN_PROGRAM_ID);
    let sweep = ix::registry::sweep_fees(&asset, &a, &new_ata, &TOKEN_PROGRAM_ID);
    w.h.send(&[create, sweep], &[&buyer])
        .await
        .expect("ATA creation + sweep");
    assert_eq!(w.h.balance(&new_ata).await, 50_000);

    // Any other token account of the new treasury works as well.
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("another sale");
    let other = token_account(&mut w, &new_treasury, &usdc_mint).await;
    w.h.send(&[ix::registry::sweep_fees(&asset, &a, &other, &TOKEN_PROGRAM_ID)], &[])
        .await
        .expect("a non-associated treasury account");
    assert_eq!(w.h.balance(&other).await, 50_000);
    assert_eq!(w.vault_balance(&asset).await, 2 * (USDC - 50_000));
}

/// A stranger sends lamports to every registry account and payment tokens to the asset's fee
/// vault and the buyer's account, and its own access tokens to the holder: purchases, redemptions,
/// verifications and revocations all go on, and count only what they should.
#[tokio::test]
async fn stray_lamports_and_tokens_block_nothing() {
    let mut w = World::new(100).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (holder, h_usdc) = w.buyer(10 * USDC).await;
    let (stranger, s_usdc) = w.buyer(10 * USDC).await;
    w.buy(&holder, &h_usdc, &asset, 2, USDC).await.unwrap();
    w.buy(&stranger, &s_usdc, &asset, 3, USDC).await.unwrap();

    let mint = pda::access_mint(&asset);
    let h_tokens = pda::ata(&holder.pubkey(), &mint, &TOKEN_PROGRAM_ID);
    let s_tokens = pda::ata(&stranger.pubkey(), &mint, &TOKEN_PROGRAM_ID);
    let mut ixs = vec![];
    for to in [
        pda::config(),
        asset,
        mint,
        pda::pass(&asset, &holder.pubkey()),
        h_tokens,
    ] {
        ixs.push(solana_system_interface::instruction::transfer(
            &stranger.pubkey(),
            &to,
            1_000_000,
        ));
    }
    let usdc_mint = w.usdc;
    for to in [pda::fee_vault(&asset), h_usdc] {
        ixs.push(
            spl_token::instruction::transfer_checked(
                &TOKEN_PROGRAM_ID,
                &s_usdc,
                &usdc_mint,
                &to,
                &stranger.pubkey(),
                &[],
                1,
                6,
            )
            .unwrap(),
        );
    }
    ixs.push(
        spl_token::instruction::transfer_checked(
            &TOKEN_PROGRAM_ID,
            &s_tokens,
            &mint,
            &h_tokens,
            &stranger.pubkey(),
            &[],
            1,
            0,
        )
        .unwrap(),
    );
    w.h.send(&ixs, &[&stranger]).await.expect("the stranger's transfers");

    w.buy(&holder, &h_usdc, &asset, 1, USDC).await.expect("a purchase");
    assert_eq!(w.h.balance(&h_tokens).await, 4);
    w.h.send(&[ix::registry::redeem_access(&holder.pubkey(), &asset, 4)], &[&holder])
        .await
        .expect("a redemption of everything held");
    assert_eq!(w.pass(&asset, &holder.pubkey()).await.unwrap().redeemed, 4);
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &holder.pubkey())], &[])
            .await,
        RegistryError::NoAccessToken,
    );
    w.buy(&holder, &h_usdc, &asset, 1, USDC)
        .await
        .expect("another purchase");
    w.h.send(&[ix::registry::verify_access(&asset, &holder.pubkey())], &[])
        .await
        .expect("a verification");
    w.h.send(
        &[ix::registry::revoke_pass(
            &publisher.pubkey(),
            &asset,
            &holder.pubkey(),
            3,
        )],
        &[&publisher],
    )
    .await
    .expect("a revocation");
}

/// The holder closes its (empty) access-token account: the next purchase recreates it.
#[tokio::test]
async fn a_closed_access_token_account_is_recreated_by_the_next_purchase() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    w.h.send(&[ix::registry::redeem_access(&buyer.pubkey(), &asset, 1)], &[&buyer])
        .await
        .unwrap();
    let tokens = pda::ata(&buyer.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID);
    let close =
        spl_token::instruction::close_account(&TOKEN_PROGRAM_ID, &tokens, &buyer.pubkey(), &buyer.pubkey(), &[])
            .unwrap();
    w.h.send(&[close], &[&buyer]).await.expect("close");
    assert!(w.h.account(&tokens).await.is_none());
    w.buy(&buyer, &usdc, &asset, 1, USDC)
        .await
        .expect("the purchase recreates it");
    assert_eq!(w.h.balance(&tokens).await, 1);
}

/// Access tokens held in any token account of the holder verify and redeem.
#[tokio::test]
async fn tokens_in_any_account_of_the_holder_verify_and_redeem() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 2, USDC).await.unwrap();
    let mint = pda::access_mint(&asset);
    let ata = pda::ata(&buyer.pubkey(), &mint, &TOKEN_PROGRAM_ID);
    let other = token_account(&mut w, &buyer.pubkey(), &mint).await;
    let mv =
        spl_token::instruction::transfer_checked(&TOKEN_PROGRAM_ID, &ata, &mint, &other, &buyer.pubkey(), &[], 2, 0)
            .unwrap();
    w.h.send(&[mv], &[&buyer]).await.unwrap();
    let mut verify = ix::registry::verify_access(&asset, &buyer.pubkey());
    tessera_program_tests::substitute(&mut verify, &ata, &other);
    w.h.send(&[verify], &[])
        .await
        .expect("verified from a non-associated account");
    let mut redeem = ix::registry::redeem_access(&buyer.pubkey(), &asset, 2);
    tessera_program_tests::substitute(&mut redeem, &ata, &other);
    w.h.send(&[redeem], &[&buyer]).await.expect("redeemed from it");
    assert_eq!(w.h.balance(&other).await, 0);
}

/// The admin's pause stops sales and publications only; the publisher's delisting and
/// retirement stop sales only. Holders keep redeeming and verifying, the publisher keeps
/// revoking.
#[tokio::test]
async fn pause_delisting_and_retirement_leave_holders_their_access() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let (a, a_usdc) = w.buyer(2 * USDC).await;
    let (b, b_usdc) = w.buyer(2 * USDC).await;
    w.buy(&a, &a_usdc, &asset, 2, USDC).await.unwrap();
    w.buy(&b, &b_usdc, &asset, 2, USDC).await.unwrap();
    w.update_config(UpdateConfigArgs {
        paused: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    w.h.send(
        &[ix::registry::retire_asset(&publisher.pubkey(), &asset)],
        &[&publisher],
    )
    .await
    .unwrap();
    w.h.send(&[ix::registry::redeem_access(&a.pubkey(), &asset, 1)], &[&a])
        .await
        .expect("redeem");
    w.h.send(&[ix::registry::verify_access(&asset, &a.pubkey())], &[])
        .await
        .expect("verify");
    w.h.send(
        &[ix::registry::revoke_pass(&publisher.pubkey(), &asset, &b.pubkey(), 1)],
        &[&publisher],
    )
    .await
    .expect("revoke");
    assert_err(w.buy(&a, &a_usdc, &asset, 1, USDC).await, RegistryError::RegistryPaused);
}
