//! External audit of the issue-14 changes (escrow). Each test names a finding and asserts the
//! behaviour the issue promises; a test that fails shows the finding is still open.

use tessera_client::{
    escrow::{
        errors::EscrowError,
        events::{BondChangeReason, BondChanged, UnbondRequested},
    },
    ix, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

/// Finding A1 (admin reaches committed provider money): `withdraw_bond` reads the unbonding
/// delay from the live config, so an admin who raises it after a provider asked to unbond
/// pushes back a withdrawal already announced (`UnbondRequested.available_at`), by up to 90
/// days, and again after every new request. "Config changes must never reach money already
/// committed" (issue 14, item 4): the delay must be fixed when the unbond is requested.
/// Fixed in 0632a7d (`Provider.unbond_available_at`).
#[tokio::test]
async fn audit_unbonding_delay_is_fixed_at_the_request() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let pu = f.provider_usdc;
    let usdc = f.w.usdc;
    // The fixture's delay: one day.
    let out =
        f.w.h
            .send(&[ix::escrow::request_unbond(&p.pubkey(), BOND)], &[&p])
            .await
            .unwrap();
    let announced = out.event::<UnbondRequested>().available_at;
    assert_eq!(announced, T + 86_400);

    // The admin raises the delay to the 90-day maximum after the request.
    let admin = f.w.admin.insecure_clone();
    let s = f.w.escrow_settings(0, SLASH_BPS, USDC, 90 * 86_400);
    f.w.h
        .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
        .await
        .unwrap();

    // At the announced time, with no open job, the provider withdraws its bond.
    f.w.h.set_time(announced).await;
    let withdraw = ix::escrow::withdraw_bond(&p.pubkey(), &pu, &usdc, &TOKEN_PROGRAM_ID);
    let res = f.w.h.send(&[withdraw], &[&p]).await;
    assert!(
        res.is_ok(),
        "withdrawal at the announced available_at must not be pushed back by a later config change: {:?}",
        res.err()
    );
    let ev: BondChanged = res.unwrap().event();
    assert_eq!(
        (ev.delta, ev.bond, ev.reason),
        (-(BOND as i128), 0, BondChangeReason::Withdrawal)
    );
    assert_eq!(f.provider_balance().await, BOND);
}

/// Control for A1: a delay lowered after the request is not a harm to the provider, but the
/// withdrawal must still not be possible before the announced time either way the fix goes
/// (here: the delay as announced holds when nothing changes).
#[tokio::test]
async fn audit_unbonding_delay_unchanged_config_control() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let pu = f.provider_usdc;
    let usdc = f.w.usdc;
    f.w.h
        .send(&[ix::escrow::request_unbond(&p.pubkey(), BOND)], &[&p])
        .await
        .unwrap();
    let withdraw = ix::escrow::withdraw_bond(&p.pubkey(), &pu, &usdc, &TOKEN_PROGRAM_ID);
    f.w.h.set_time(T + 86_399).await;
    assert_err(
        f.w.h.send(&[withdraw.clone()], &[&p]).await,
        EscrowError::UnbondingDelayNotElapsed,
    );
    f.w.h.set_time(T + 86_400).await;
    f.w.h
        .send(&[withdraw], &[&p])
        .await
        .expect("withdraw at the announced time");
}

/// Finding A2 (the provider's guards do not bind the job it saw): `AcceptJobArgs` carries the
/// fee and the windows only. A job address is `[JOB_SEED, consumer, job_id]`, so once an
/// unaccepted job is refunded (anyone may, at its accept deadline) the consumer can open the
/// same job id again, for the same model, fee and windows but another input (or, after a
/// publisher's or admin's change, another royalty or protocol fee snapshot). An `accept_job`
/// the provider signed for the first job (still valid: same accounts, same guards) then
/// accepts the second one, whose input the provider never saw. The guards should bind the job
/// instance, e.g. its `input_commitment` and `funded_at` (or `accept_deadline`).
/// Failed on 26e039f (the second job was accepted); fixed in ff13b4b (AcceptJobArgs carries
/// `input_commitment` and `funded_at`).
#[tokio::test]
async fn audit_an_accept_signed_for_one_job_does_not_accept_its_reopened_successor() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let job = f.open(1).await;
    let seen = f.w.job(&job).await;
    // The provider decides on what it saw and signs its acceptance.
    let seen_config = f.w.escrow_config().await;
    let accept = ix::escrow::accept_job(&p.pubkey(), &job, &seen, &seen_config, 2 * USDC);

    // Before it lands: the accept deadline passes, a bot refunds, the consumer reopens job 1
    // with another input (same model, fee and windows).
    f.w.h.set_time(seen.accept_deadline).await;
    let bot = f.w.keypair().await;
    let cu = f.consumer_usdc;
    f.w.h
        .send(
            &[ix::escrow::refund_job(
                &bot.pubkey(),
                &job,
                &seen,
                &cu,
                &TOKEN_PROGRAM_ID,
            )],
            &[&bot],
        )
        .await
        .expect("refund");
    let mut args = World::open_job_args(1, FEE, None, WINDOWS);
    args.input_commitment = [0x99; 32];
    let (c, m) = (f.consumer.insecure_clone(), f.model);
    let reopened = f.w.open_job(&c, &cu, &m, args).await.expect("reopen job 1");
    assert_eq!(reopened, job, "same address");
    assert_ne!(f.w.job(&job).await.input_commitment, seen.input_commitment);

    // The acceptance the provider signed for the first job must not accept the second.
    f.w.h.refresh_blockhash().await;
    assert_err(f.w.h.send(&[accept], &[&p]).await, EscrowError::JobTermsChanged);
}

/// Finding A3 (liveness depends on the caller in transfer-fee mints): a job vault of a
/// Token-2022 transfer-fee mint always holds the withheld fee of the transfer that funded it
/// (and of any stranger's transfer), and Token-2022 refuses to close an account holding
/// withheld fees (`AccountHasWithheldTransferFees`, Token-2022 error 35). So a bare
/// permissionless `refund_job` (or `release_job`, `settle_dispute`, ...) is refused; it goes
/// through only if the caller prepends the permissionless `HarvestWithheldTokensToMint` (our
/// client does, a third-party keeper may not). The program can harvest the vault itself before
/// closing it (the mint must then be writable in the settlement accounts).
/// Failed on 26e039f with Token-2022 error 35; fixed in ff13b4b (`harvest_job_vault`).
#[tokio::test]
async fn audit_a_bare_refund_in_a_transfer_fee_mint_succeeds() {
    use tessera_client::{
        escrow::state::MintBond,
        ix::escrow::OpenJobAccounts,
        registry::{instructions::UpdateConfigArgs, state::AssetKind},
        TOKEN_2022_PROGRAM_ID,
    };
    let mut w = World::new(0).await;
    let fee_mint = w.h.create_transfer_fee_mint(6, 100, 1_000_000).await;
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(vec![w.usdc, fee_mint]),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut s = w.escrow_settings(0, SLASH_BPS, USDC, 86_400);
    s.min_bonds.push(MintBond {
        mint: fee_mint,
        min_bond: 0,
    });
    w.init_escrow_with(s).await;
    let publisher = w.keypair().await;
    let mut args = publish_args(7, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    let model = tessera_client::pda::asset(&publisher.pubkey(), &args.content_hash);
    w.h.send(
        &[ix::registry::publish_asset(
            &publisher.pubkey(),
            &fee_mint,
            &TOKEN_2022_PROGRAM_ID,
            None,
            args,
        )],
        &[&publisher],
    )
    .await
    .expect("publish in the fee mint");
    let consumer = w.keypair().await;
    let cta = w.h.ata(&consumer.pubkey(), &fee_mint, &TOKEN_2022_PROGRAM_ID).await;
    w.h.mint_to(&fee_mint, &cta, &TOKEN_2022_PROGRAM_ID, 10 * USDC).await;
    w.h.set_time(T).await;
    let accounts = OpenJobAccounts {
        consumer: consumer.pubkey(),
        model,
        mint: fee_mint,
        consumer_token_account: cta,
        token_program: TOKEN_2022_PROGRAM_ID,
        gated: false,
    };
    let open = ix::escrow::open_job(&accounts, World::open_job_args(1, FEE, None, WINDOWS));
    w.h.send(&[open], &[&consumer]).await.expect("open_job");
    let job_key = tessera_client::pda::job(&consumer.pubkey(), 1);
    let job = w.job(&job_key).await;
    assert_eq!(job.fee, FEE - 20_000, "1% withheld");

    // A stranger adds 1,000 units (10 withheld) to the vault.
    let stranger = w.keypair().await;
    let sta = w.h.ata(&stranger.pubkey(), &fee_mint, &TOKEN_2022_PROGRAM_ID).await;
    w.h.mint_to(&fee_mint, &sta, &TOKEN_2022_PROGRAM_ID, 1_000).await;
    let gift = anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked(
        &TOKEN_2022_PROGRAM_ID,
        &sta,
        &fee_mint,
        &job.vault,
        &stranger.pubkey(),
        &[],
        1_000,
        6,
    )
    .unwrap();
    w.h.send(&[gift], &[&stranger]).await.expect("stray transfer");

    // Nobody accepts; at the accept deadline anyone refunds. A caller that passes the mint
    // read-only is told so (it cannot harvest); the builder's instruction goes through bare.
    w.h.set_time(job.accept_deadline).await;
    let bot = w.keypair().await;
    let refund = ix::escrow::refund_job(&bot.pubkey(), &job_key, &job, &cta, &TOKEN_2022_PROGRAM_ID);
    let mut read_only = refund.clone();
    for m in read_only.accounts.iter_mut().filter(|m| m.pubkey == fee_mint) {
        m.is_writable = false;
    }
    assert_err(w.h.send(&[read_only], &[&bot]).await, EscrowError::MintNotWritable);
    let before = w.h.balance(&cta).await;
    let res = w.h.send(&[refund], &[&bot]).await;
    assert!(res.is_ok(), "a bare refund of a fee-mint job: {:?}", res.err());
    assert!(w.h.account(&job_key).await.is_none() && w.h.account(&job.vault).await.is_none());
    // The fee and the stranger's 990 come back, each transfer out paying its own 1%.
    let all = job.fee + 990;
    let out_fee = tessera_program_tests::token2022::transfer_fee(all, 100, 1_000_000);
    assert_eq!(w.h.balance(&cta).await - before, all - out_fee);
}

/// Finding A4 (open, low: the admin reaches an acceptance in flight): the arbiter and the
/// dispute window are fixed on the job at acceptance, but read from the live config there, and
/// `AcceptJobArgs` does not carry them. An admin who swaps the arbiter (and shortens the
/// dispute window to 1 s) between the moment a provider decides and the moment its acceptance
/// lands binds the provider's bond (up to the job's slash) to an arbiter it never saw. The
/// guards should carry the arbiter and the dispute window the provider accepts (or a config
/// version), refusing the acceptance when they changed.
/// Fixed: `AcceptJobArgs` carries the arbiter and the dispute window; a changed one refuses
/// the acceptance with `JobTermsChanged` and the job stays open.
#[tokio::test]
async fn audit_an_acceptance_does_not_take_an_arbiter_the_provider_never_saw() {
    let mut f = fixture(0, 0, false).await;
    let p = f.provider.insecure_clone();
    let job = f.open(1).await;
    let seen = f.w.job(&job).await;
    let seen_arbiter = f.w.arbiter.pubkey();
    let seen_config = f.w.escrow_config().await;
    let accept = ix::escrow::accept_job(&p.pubkey(), &job, &seen, &seen_config, 2 * USDC);

    let admin = f.w.admin.insecure_clone();
    let other = f.w.keypair().await;
    let mut s = f.w.escrow_settings(0, SLASH_BPS, USDC, 86_400);
    s.arbiter = other.pubkey();
    s.dispute_window = 1;
    f.w.h
        .send(&[ix::escrow::update_config(&admin.pubkey(), s)], &[&admin])
        .await
        .unwrap();

    let res = f.w.h.send(&[accept], &[&p]).await;
    assert_err(res, EscrowError::JobTermsChanged);
    let j = f.w.job(&job).await;
    assert_eq!(
        j.state,
        tessera_client::escrow::state::JobState::Open,
        "the job stays open for an acceptance on the new terms"
    );
    assert_ne!(j.arbiter, seen_arbiter, "no arbiter fixed on an unaccepted job");
    // Accepting on the terms now in force goes through and fixes them.
    let now = f.w.escrow_config().await;
    let ok = ix::escrow::accept_job(&p.pubkey(), &job, &seen, &now, 2 * USDC);
    f.w.h.send(&[ok], &[&p]).await.expect("accept on the current terms");
    let j = f.w.job(&job).await;
    assert_eq!((j.arbiter, j.dispute_window), (other.pubkey(), 1));
}
