//! `register_provider`, and a provider's life after it: `bond`, `request_unbond`,
//! `withdraw_bond`, `update_provider`.

use anchor_lang::error::ErrorCode;
use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{BondChangeReason, BondChanged, ProviderRegistered},
        instructions::RegisterProviderArgs,
    },
    ix, pda, Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner};

fn listing(models: Vec<Pubkey>) -> RegisterProviderArgs {
    RegisterProviderArgs {
        endpoint: "https://gpu.example".into(),
        models,
    }
}

#[tokio::test]
async fn registers_bonds_unbonds_and_withdraws() {
    let mut w = World::new(0).await;
    w.init_escrow(0, 1_000, USDC, 3_600).await;
    let (a, usdc) = w.buyer(5 * USDC).await;
    let model = TestKeypair::new().pubkey();
    let out =
        w.h.send(
            &[ix::escrow::register_provider(
                &a.pubkey(),
                &w.usdc,
                &TOKEN_PROGRAM_ID,
                listing(vec![model]),
            )],
            &[&a],
        )
        .await
        .unwrap();
    assert_eq!(out.event::<ProviderRegistered>().models, vec![model]);
    let p = w.provider_account(&a.pubkey()).await;
    assert_eq!(
        (p.authority, p.mint, p.bond, p.models.clone()),
        (a.pubkey(), w.usdc, 0, vec![model])
    );
    assert_eq!(p.bond_vault, pda::bond_vault(&pda::provider(&a.pubkey())));

    let out =
        w.h.send(
            &[ix::escrow::bond(
                &a.pubkey(),
                &usdc,
                &w.usdc,
                &TOKEN_PROGRAM_ID,
                3 * USDC,
            )],
            &[&a],
        )
        .await
        .unwrap();
    let ev: BondChanged = out.event();
    assert_eq!(
        (ev.delta, ev.bond, ev.reason),
        (3 * USDC as i128, 3 * USDC, BondChangeReason::Deposit)
    );
    assert_eq!(w.h.balance(&p.bond_vault).await, 3 * USDC);

    w.h.set_time(1_000).await;
    w.h.send(&[ix::escrow::request_unbond(&a.pubkey(), 2 * USDC)], &[&a])
        .await
        .unwrap();
    let withdraw = ix::escrow::withdraw_bond(&a.pubkey(), &usdc, &w.usdc, &TOKEN_PROGRAM_ID);
    w.h.set_time(4_599).await;
    assert_err(
        w.h.send(&[withdraw.clone()], &[&a]).await,
        EscrowError::UnbondingDelayNotElapsed,
    );
    w.h.set_time(4_600).await;
    let out = w.h.send(&[withdraw.clone()], &[&a]).await.unwrap();
    assert_eq!(out.event::<BondChanged>().reason, BondChangeReason::Withdrawal);
    assert_eq!(w.h.balance(&usdc).await, 4 * USDC);
    assert_eq!(w.provider_account(&a.pubkey()).await.bond, USDC);
    assert_err(w.h.send(&[withdraw], &[&a]).await, EscrowError::NoUnbondRequested);

    let new_model = TestKeypair::new().pubkey();
    let upd = RegisterProviderArgs {
        endpoint: "https://gpu2.example".into(),
        models: vec![model, new_model],
    };
    w.h.send(&[ix::escrow::update_provider(&a.pubkey(), upd)], &[&a])
        .await
        .unwrap();
    let p = w.provider_account(&a.pubkey()).await;
    assert_eq!((p.endpoint.as_str(), p.models.len()), ("https://gpu2.example", 2));
}

#[tokio::test]
async fn refuses_bad_listings_and_amounts() {
    let mut w = World::new(0).await;
    w.init_escrow(0, 0, 0, 0).await;
    let (a, usdc) = w.buyer(USDC).await;
    let m = TestKeypair::new().pubkey();
    let reg = |args| ix::escrow::register_provider(&a.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID, args);
    let empty = RegisterProviderArgs {
        endpoint: String::new(),
        models: vec![m],
    };
    let dup = listing(vec![m, m]);
    let many = listing((0..17).map(|_| TestKeypair::new().pubkey()).collect());
    let (ix1, ix2, ix3) = (reg(empty), reg(dup), reg(many));
    assert_err(w.h.send(&[ix1], &[&a]).await, EscrowError::InvalidEndpoint);
    assert_err(w.h.send(&[ix2], &[&a]).await, EscrowError::DuplicateModel);
    assert_err(w.h.send(&[ix3], &[&a]).await, EscrowError::TooManyModels);
    w.h.send(
        &[ix::escrow::register_provider(
            &a.pubkey(),
            &w.usdc,
            &TOKEN_PROGRAM_ID,
            listing(vec![m]),
        )],
        &[&a],
    )
    .await
    .unwrap();
    assert_err(
        w.h.send(
            &[ix::escrow::bond(&a.pubkey(), &usdc, &w.usdc, &TOKEN_PROGRAM_ID, 0)],
            &[&a],
        )
        .await,
        EscrowError::ZeroAmount,
    );
    assert_err(
        w.h.send(&[ix::escrow::request_unbond(&a.pubkey(), 1)], &[&a]).await,
        EscrowError::UnbondAboveBond,
    );
    // Another signer cannot act on this provider: its own PDA does not exist.
    let x = w.keypair().await;
    let mut ix = ix::escrow::update_provider(&x.pubkey(), listing(vec![m]));
    tessera_program_tests::substitute(&mut ix, &pda::provider(&x.pubkey()), &pda::provider(&a.pubkey()));
    assert_err(w.h.send(&[ix], &[&x]).await, ErrorCode::ConstraintSeeds);
}
