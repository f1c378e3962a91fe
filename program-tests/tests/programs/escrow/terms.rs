//! Issue 14, items 3 and 5: the slash at stake on a job is bounded by the job
//! (`min(slash_bps × bond, max_slash_fee_multiple × fee)`, fixed at acceptance), every window
//! has a configured minimum, the provider accepts exactly the terms it saw, and the minimum
//! bond is set per mint.
//!
//! Before the fix a consumer could open a 1-unit job with a 1-second delivery window and, when
//! the provider missed it, take `slash_bps` of the provider's whole bond (here 2.0 for a fee
//! of 0.000001).

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{BondChangeReason, BondChanged, JobAccepted, JobSettled},
        instructions::AcceptJobArgs,
        state::MintBond,
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn a_tiny_job_puts_only_a_multiple_of_its_fee_at_stake() {
    let mut f = fixture(0, 0, false).await;
    let (c, cu, m) = (f.consumer.insecure_clone(), f.consumer_usdc, f.model);
    // 1 base unit, a 1-second delivery window.
    let job =
        f.w.open_job(&c, &cu, &m, World::open_job_args(1, 1, None, (60, 1, 60)))
            .await
            .unwrap();
    let p = f.provider.insecure_clone();
    let out = f.w.accept(&p, &job).await.unwrap();
    // min(20% × 10.0, 10 × 1 unit) = 10 units.
    assert_eq!(out.event::<JobAccepted>().slash_amount, 10);
    assert_eq!(f.w.job(&job).await.slash_amount, 10);
    f.w.h.set_time(T + 1).await;
    let j = f.w.job(&job).await;
    let bot = f.w.keypair().await;
    let before = f.consumer_balance().await;
    let refund = ix::escrow::refund_job(&bot.pubkey(), &job, &j, &cu, &TOKEN_PROGRAM_ID);
    let out = f.w.h.send(&[refund], &[&bot]).await.unwrap();
    assert_eq!(out.event::<JobSettled>().slashed, 10);
    // A slash emits BondChanged (item 6).
    let ev: BondChanged = out.event();
    assert_eq!(
        (ev.provider, ev.delta, ev.bond, ev.reason),
        (pda::provider(&p.pubkey()), -10, BOND - 10, BondChangeReason::Slash)
    );
    assert_eq!(f.consumer_balance().await - before, 1 + 10);
    assert_eq!(f.w.provider_account(&p.pubkey()).await.bond, BOND - 10);
}

#[tokio::test]
async fn a_raised_slash_share_does_not_reach_accepted_jobs() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let job = f.open(1).await;
    f.w.accept(&p, &job).await.unwrap();
    assert_eq!(f.w.job(&job).await.slash_amount, 2 * USDC);
    // The admin raises the share to 50% and the cap to 1,000× the fee after the acceptance.
    let admin = f.w.admin.insecure_clone();
    let mut s = f.w.escrow_settings(0, 5_000, USDC, 86_400);
    s.max_slash_fee_multiple = 1_000;
    f.w.h
        .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
        .await
        .unwrap();
    f.w.h.set_time(T + 600).await;
    let bot = f.w.keypair().await;
    let j = f.w.job(&job).await;
    let refund = ix::escrow::refund_job(&bot.pubkey(), &job, &j, &f.consumer_usdc, &TOKEN_PROGRAM_ID);
    let out = f.w.h.send(&[refund], &[&bot]).await.unwrap();
    assert_eq!(
        out.event::<JobSettled>().slashed,
        2 * USDC,
        "the amount fixed at acceptance, not 5.0"
    );
    assert_eq!(f.w.provider_account(&p.pubkey()).await.bond, BOND - 2 * USDC);
}

#[tokio::test]
async fn the_slash_is_capped_by_the_remaining_bond() {
    let mut w = World::new(0).await;
    // 50% of the bond, up to 10× the fee; minimum bond 0.
    w.init_escrow(0, 5_000, 0, 0).await;
    let publisher = w.keypair().await;
    let mut args = publish_args(90, USDC, 3_600, &[(publisher.pubkey(), 10_000)]);
    args.kind = tessera_client::registry::state::AssetKind::Model;
    let model = w.publish(&publisher, args).await.unwrap();
    let (p, _) = w.provider(&[model], 4 * USDC).await;
    let (c, cu) = w.buyer(100 * USDC).await;
    w.h.set_time(T).await;
    // Each job: min(50% × bond at acceptance, 10 × 1.0).
    let j1 = w
        .open_job(&c, &cu, &model, World::open_job_args(1, USDC, None, WINDOWS))
        .await
        .unwrap();
    let j2 = w
        .open_job(&c, &cu, &model, World::open_job_args(2, USDC, None, WINDOWS))
        .await
        .unwrap();
    let j3 = w
        .open_job(&c, &cu, &model, World::open_job_args(3, USDC, None, WINDOWS))
        .await
        .unwrap();
    for j in [j1, j2, j3] {
        w.accept(&p, &j).await.unwrap();
        assert_eq!(w.job(&j).await.slash_amount, 2 * USDC);
    }
    w.h.set_time(T + 600).await;
    let bot = w.keypair().await;
    let mut slashed = vec![];
    for job in [j1, j2, j3] {
        let j = w.job(&job).await;
        let out =
            w.h.send(
                &[ix::escrow::refund_job(&bot.pubkey(), &job, &j, &cu, &TOKEN_PROGRAM_ID)],
                &[&bot],
            )
            .await
            .unwrap();
        slashed.push(out.event::<JobSettled>().slashed);
    }
    // 4.0 of bond: 2.0, 2.0, then nothing left.
    assert_eq!(slashed, vec![2 * USDC, 2 * USDC, 0]);
    let pr = w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.bond, pr.open_jobs), (0, 0));
}

#[tokio::test]
async fn windows_below_the_configured_minimums_are_refused() {
    let mut f = fixture(0, 0, false).await;
    let admin = f.w.admin.insecure_clone();
    let mut s = f.w.escrow_settings(0, SLASH_BPS, USDC, 86_400);
    (s.min_accept_window, s.min_delivery_window, s.min_challenge_window) = (60, 600, 3_600);
    f.w.h
        .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
        .await
        .unwrap();
    let (c, cu, m) = (f.consumer.insecure_clone(), f.consumer_usdc, f.model);
    for (i, w) in [(59, 600, 3_600), (60, 599, 3_600), (60, 600, 3_599)]
        .into_iter()
        .enumerate()
    {
        let args = World::open_job_args(i as u64, FEE, None, w);
        assert_err(
            f.w.open_job(&c, &cu, &m, args).await.map(|_| Default::default()),
            EscrowError::WindowBelowMinimum,
        );
    }
    f.w.open_job(&c, &cu, &m, World::open_job_args(9, FEE, None, (60, 600, 3_600)))
        .await
        .expect("at the minimums");
    // The settings' own bounds.
    let mut s = f.w.escrow_settings(0, SLASH_BPS, USDC, 86_400);
    s.min_delivery_window = 30 * 86_400 + 1;
    assert_err(
        f.w.h
            .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
            .await,
        EscrowError::InvalidMinWindow,
    );
    for d in [0, 30 * 86_400 + 1] {
        let mut s = f.w.escrow_settings(0, SLASH_BPS, USDC, 86_400);
        s.dispute_window = d;
        assert_err(
            f.w.h
                .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
                .await,
            EscrowError::InvalidDisputeWindow,
        );
    }
}

#[tokio::test]
async fn the_provider_accepts_exactly_the_terms_it_saw() {
    let mut f = fixture(0, 0, false).await;
    let job = f.open(1).await;
    let j = f.w.job(&job).await;
    let p = f.provider.insecure_clone();
    let config = f.w.escrow_config().await;
    let terms = ix::escrow::accept_terms(&j, &config, 2 * USDC);
    let arbiter = f.w.arbiter.pubkey();
    assert_eq!(
        terms,
        AcceptJobArgs {
            input_commitment: [0x11; 32],
            funded_at: T,
            fee: FEE,
            delivery_window: 600,
            challenge_window: 3_600,
            max_slash: 2 * USDC,
            arbiter,
            dispute_window: config.dispute_window
        }
    );
    let send = |args: AcceptJobArgs| ix::escrow::accept_job_with(&p.pubkey(), &job, &f.model, args);
    for bad in [
        AcceptJobArgs {
            input_commitment: [0x12; 32],
            ..terms.clone()
        },
        AcceptJobArgs {
            funded_at: T - 1,
            ..terms.clone()
        },
        AcceptJobArgs {
            fee: FEE - 1,
            ..terms.clone()
        },
        AcceptJobArgs {
            delivery_window: 601,
            ..terms.clone()
        },
        AcceptJobArgs {
            challenge_window: 3_599,
            ..terms.clone()
        },
        AcceptJobArgs {
            arbiter: Pubkey::new_unique(),
            ..terms.clone()
        },
        AcceptJobArgs {
            dispute_window: config.dispute_window + 1,
            ..terms.clone()
        },
    ] {
        let ix = send(bad);
        assert_err(f.w.h.send(&[ix], &[&p]).await, EscrowError::JobTermsChanged);
    }
    // 2.0 at stake (20% of 10.0): a limit of 1.999999 refuses it.
    let ix = send(AcceptJobArgs {
        max_slash: 2 * USDC - 1,
        ..terms.clone()
    });
    assert_err(f.w.h.send(&[ix], &[&p]).await, EscrowError::SlashAboveLimit);
    let out = f.w.h.send(&[send(terms)], &[&p]).await.expect("the exact terms");
    assert_eq!(out.event::<JobAccepted>().slash_amount, 2 * USDC);
}

#[tokio::test]
async fn the_minimum_bond_is_set_per_mint() {
    let mut f = fixture(0, 0, false).await;
    let admin = f.w.admin.insecure_clone();
    let p = f.provider.insecure_clone();
    let other = f.w.h.create_mint(9, &TOKEN_PROGRAM_ID).await;
    let usdc = f.w.usdc;
    let with = |f: &Fx, min_bonds: Vec<MintBond>| {
        let mut s = f.w.escrow_settings(0, SLASH_BPS, 0, 86_400);
        s.min_bonds = min_bonds;
        ix::escrow::update_config(&admin.pubkey(), s)
    };
    // Duplicates and more than 8 mints are refused.
    let ix = with(
        &f,
        vec![
            MintBond {
                mint: usdc,
                min_bond: 1,
            },
            MintBond {
                mint: usdc,
                min_bond: 2,
            },
        ],
    );
    assert_err(f.w.h.send(&[ix], &[&admin]).await, EscrowError::DuplicateBondMint);
    let nine = (0..9)
        .map(|_| MintBond {
            mint: Pubkey::new_unique(),
            min_bond: 1,
        })
        .collect();
    let ix = with(&f, nine);
    assert_err(f.w.h.send(&[ix], &[&admin]).await, EscrowError::TooManyBondMints);
    // Only the 9-decimal mint is bondable: a provider bonded in the USDC-like mint cannot accept.
    let ix = with(
        &f,
        vec![MintBond {
            mint: other,
            min_bond: 1_000_000_000,
        }],
    );
    f.w.h.send(&[ix], &[&admin]).await.unwrap();
    let job = f.open(1).await;
    assert_err(f.w.accept(&p, &job).await, EscrowError::MintNotBondable);
    // Its own minimum: 10.000001 refuses a 10.0 bond, 10.0 accepts it.
    let ix = with(
        &f,
        vec![
            MintBond {
                mint: other,
                min_bond: 1,
            },
            MintBond {
                mint: usdc,
                min_bond: BOND + 1,
            },
        ],
    );
    f.w.h.send(&[ix], &[&admin]).await.unwrap();
    assert_err(f.w.accept(&p, &job).await, EscrowError::BondBelowMinimum);
    let ix = with(
        &f,
        vec![MintBond {
            mint: usdc,
            min_bond: BOND,
        }],
    );
    f.w.h.send(&[ix], &[&admin]).await.unwrap();
    f.w.accept(&p, &job).await.expect("bond at the minimum of its mint");
}
