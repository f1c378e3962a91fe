//! Issue 14, item 4: the admin and the arbiter cannot reach money already committed. The slash
//! amount, the arbiter and the dispute window are fixed on the job at acceptance; the slash
//! share is capped at 50%; a dispute nobody resolves settles by the default rule (half each,
//! no slash) after its deadline; the escrow admin changes in two steps.
//!
//! Before the fix the refund and the resolution read `slash_bps` and the arbiter from the live
//! config, the admin could set a 100% slash share, and a dispute the arbiter ignored kept the
//! fee and the provider's open job (its bond) locked forever.

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{AdminChanged, AdminProposed, JobDisputed, JobOutcome, JobSettled},
        state::{EscrowConfig, JobState},
    },
    ix, pda, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn the_slash_share_is_capped_at_half_the_bond() {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let ix = w.escrow_init_ix(w.escrow_settings(0, 5_001, 0, 0));
    assert_err(w.h.send(&[ix], &[&admin]).await, EscrowError::SlashAboveCap);
    w.init_escrow(0, 5_000, 0, 0).await;
    let ix = ix::escrow::update_config(&admin.pubkey(), w.escrow_settings(0, 5_001, 0, 0));
    assert_err(w.h.send(&[ix], &[&admin]).await, EscrowError::SlashAboveCap);
    let ix = ix::escrow::update_config(&admin.pubkey(), w.escrow_settings(0, 10_000, 0, 0));
    assert_err(w.h.send(&[ix], &[&admin]).await, EscrowError::SlashAboveCap);
}

#[tokio::test]
async fn the_admin_changes_in_two_steps() {
    let mut w = World::new(0).await;
    w.init_escrow(0, 0, 0, 0).await;
    let admin = w.admin.insecure_clone();
    let next = w.keypair().await;
    let intruder = w.keypair().await;
    // Nothing proposed yet.
    assert_err(
        w.h.send(&[ix::escrow::accept_admin(&next.pubkey())], &[&next]).await,
        EscrowError::NoPendingAdmin,
    );
    // Only the admin proposes.
    let ix = ix::escrow::propose_admin(&intruder.pubkey(), &intruder.pubkey());
    assert_err(w.h.send(&[ix], &[&intruder]).await, EscrowError::NotAdmin);
    let out =
        w.h.send(&[ix::escrow::propose_admin(&admin.pubkey(), &next.pubkey())], &[&admin])
            .await
            .unwrap();
    let ev: AdminProposed = out.event();
    assert_eq!((ev.admin, ev.pending_admin), (admin.pubkey(), next.pubkey()));
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (admin.pubkey(), Some(next.pubkey())));
    // Only the proposed key accepts.
    assert_err(
        w.h.send(&[ix::escrow::accept_admin(&intruder.pubkey())], &[&intruder])
            .await,
        EscrowError::NotPendingAdmin,
    );
    let out =
        w.h.send(&[ix::escrow::accept_admin(&next.pubkey())], &[&next])
            .await
            .unwrap();
    let ev: AdminChanged = out.event();
    assert_eq!((ev.previous, ev.admin), (admin.pubkey(), next.pubkey()));
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!((c.admin, c.pending_admin), (next.pubkey(), None));
    // The old admin lost its power; update_config keeps the admin.
    let settings = w.escrow_settings(100, 0, 0, 0);
    assert_err(
        w.h.send(
            &[ix::escrow::update_config(&admin.pubkey(), settings.clone())],
            &[&admin],
        )
        .await,
        EscrowError::NotAdmin,
    );
    w.h.send(&[ix::escrow::update_config(&next.pubkey(), settings)], &[&next])
        .await
        .unwrap();
    let c: EscrowConfig = w.h.fetch(&pda::escrow_config()).await.unwrap();
    assert_eq!((c.admin, c.fee_bps), (next.pubkey(), 100));
}

#[tokio::test]
async fn an_unresolved_dispute_settles_half_each_after_its_deadline() {
    let mut f = fixture(100, 1_000, false).await;
    let job = f.delivered(1, WINDOWS).await;
    let c = f.consumer.insecure_clone();
    f.w.h.set_time(T + 100).await;
    let out =
        f.w.h
            .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
            .await
            .unwrap();
    let deadline = T + 100 + i64::from(DISPUTE_WINDOW);
    assert_eq!(out.event::<JobDisputed>().dispute_deadline, deadline);
    let j = f.w.job(&job).await;
    assert_eq!((j.state, j.dispute_deadline), (JobState::Disputed, deadline));
    let p = f.provider.insecure_clone();
    let s = f.w.settle_accounts(&p.pubkey());
    let cu = f.consumer_usdc;
    let bot = f.w.keypair().await;
    let settle = ix::escrow::settle_dispute(&bot.pubkey(), &job, &j, &s, &cu);
    f.w.h.set_time(deadline - 1).await;
    assert_err(
        f.w.h.send(&[settle.clone()], &[&bot]).await,
        EscrowError::DisputeWindowOpen,
    );
    f.w.h.set_time(deadline).await;
    // The arbiter is too late.
    let arbiter = f.w.arbiter.insecure_clone();
    let resolve = ix::escrow::resolve_dispute(&arbiter.pubkey(), &job, &j, &s, &cu, 0);
    assert_err(
        f.w.h.send(&[resolve], &[&arbiter]).await,
        EscrowError::DisputeWindowClosed,
    );
    // Anyone settles: 1.0 to the provider's side (fee 1%, royalty 10%), 1.0 back, no slash.
    let (c_before, p_before) = (f.consumer_balance().await, f.provider_balance().await);
    let out = f.w.h.send(&[settle], &[&bot]).await.expect("settle_dispute");
    let ev: JobSettled = out.event();
    assert_eq!(
        ev.outcome,
        JobOutcome::SettledByDefault {
            provider_share_bps: 5_000
        }
    );
    assert_eq!(
        (
            ev.to_treasury,
            ev.to_model_split,
            ev.to_provider,
            ev.to_consumer,
            ev.slashed
        ),
        (10_000, 100_000, 890_000, 1_000_000, 0)
    );
    assert_eq!(f.consumer_balance().await - c_before, 1_000_000);
    assert_eq!(f.provider_balance().await - p_before, 890_000);
    assert_eq!(f.treasury_balance().await, 10_000);
    let m = f.model;
    assert_eq!(f.w.vault_balance(&m).await, 100_000);
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.bond, pr.open_jobs, pr.disputes_lost), (BOND, 0, 0));
    assert!(f.w.h.account(&job).await.is_none());
}

#[tokio::test]
async fn config_changes_after_acceptance_do_not_reach_the_job() {
    let mut f = fixture(100, 0, false).await;
    let p = f.provider.insecure_clone();
    let c = f.consumer.insecure_clone();
    let (missed, disputed, released) = (f.open(1).await, f.open(2).await, f.open(3).await);
    for job in [missed, disputed, released] {
        f.w.accept(&p, &job).await.unwrap();
    }
    f.w.deliver(&p, &disputed).await.unwrap();
    f.w.deliver(&p, &released).await.unwrap();
    f.w.h
        .send(&[ix::escrow::dispute_job(&c.pubkey(), &disputed)], &[&c])
        .await
        .unwrap();
    let old_arbiter = f.w.arbiter.insecure_clone();

    // Everything the admin can change, changed: a 50% share at up to 1,000× the fee, a new
    // arbiter, 30-day minimum windows, a 1-second dispute window, no bondable mint, a new
    // treasury, a 10% fee.
    let admin = f.w.admin.insecure_clone();
    let new_arbiter = f.w.keypair().await;
    let new_treasury = f.w.keypair().await;
    let mut s = f.w.escrow_settings(1_000, 5_000, 0, 90 * 86_400);
    s.max_slash_fee_multiple = 1_000;
    s.arbiter = new_arbiter.pubkey();
    s.treasury = new_treasury.pubkey();
    (s.min_accept_window, s.min_delivery_window, s.min_challenge_window) = (30 * 86_400, 30 * 86_400, 30 * 86_400);
    s.dispute_window = 1;
    s.min_bonds = vec![];
    f.w.h
        .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
        .await
        .unwrap();
    let usdc = f.w.usdc;
    let new_treasury_usdc = f.w.h.ata(&new_treasury.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;

    // The missed job: refunded with the slash fixed at acceptance (2.0, not 5.0).
    f.w.h.set_time(T + 600).await;
    let bot = f.w.keypair().await;
    let j = f.w.job(&missed).await;
    let out =
        f.w.h
            .send(
                &[ix::escrow::refund_job(
                    &bot.pubkey(),
                    &missed,
                    &j,
                    &f.consumer_usdc,
                    &TOKEN_PROGRAM_ID,
                )],
                &[&bot],
            )
            .await
            .unwrap();
    assert_eq!(out.event::<JobSettled>().slashed, 2 * USDC);

    // The disputed job: still the old arbiter's, within the dispute window fixed at
    // acceptance (1 day, not 1 second); the new arbiter is refused.
    let j = f.w.job(&disputed).await;
    assert_eq!(
        (j.arbiter, j.dispute_deadline),
        (old_arbiter.pubkey(), T + i64::from(DISPUTE_WINDOW))
    );
    let mut st = f.w.settle_accounts(&p.pubkey());
    st.treasury_token_account = new_treasury_usdc;
    let cu = f.consumer_usdc;
    let by_new = ix::escrow::resolve_dispute(&new_arbiter.pubkey(), &disputed, &j, &st, &cu, 0);
    assert_err(f.w.h.send(&[by_new], &[&new_arbiter]).await, EscrowError::NotArbiter);
    // The old treasury's account is refused, the new one's accepted.
    let old = f.w.settle_accounts(&p.pubkey());
    let to_old = ix::escrow::resolve_dispute(&old_arbiter.pubkey(), &disputed, &j, &old, &cu, 0);
    assert_err(
        f.w.h.send(&[to_old], &[&old_arbiter]).await,
        EscrowError::TreasuryMismatch,
    );
    let out =
        f.w.h
            .send(
                &[ix::escrow::resolve_dispute(
                    &old_arbiter.pubkey(),
                    &disputed,
                    &j,
                    &st,
                    &cu,
                    0,
                )],
                &[&old_arbiter],
            )
            .await
            .unwrap();
    let ev: JobSettled = out.event();
    assert_eq!((ev.to_consumer, ev.slashed), (FEE, 2 * USDC));

    // The delivered job: released with the fee fixed at opening (1%) to the new treasury.
    f.w.h.set_time(T + 3_600).await;
    let j = f.w.job(&released).await;
    let out =
        f.w.h
            .send(&[ix::escrow::release_job(&bot.pubkey(), &released, &j, &st)], &[&bot])
            .await
            .unwrap();
    let ev: JobSettled = out.event();
    assert_eq!((ev.to_treasury, ev.to_provider), (20_000, 1_980_000));
    assert_eq!(f.w.h.balance(&new_treasury_usdc).await, 20_000);
    let pr = f.w.provider_account(&p.pubkey()).await;
    assert_eq!((pr.open_jobs, pr.bond), (0, BOND - 4 * USDC));
}
