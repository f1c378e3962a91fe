//! Money conservation (issue 10).
//!
//! 1. `money_is_conserved_through_the_runtime`: a seeded random sequence of operations drawn
//!    from every instruction of the three programs (valid and invalid ones, time moving), sent
//!    through Agave's runtime, over payment mints of 0, 6 and 9 decimals under SPL Token and two
//!    Token-2022 mints (one with a transfer fee). After every step it checks, per mint:
//!    Σ paid in = treasury + Σ paid out (claims, provider payouts, refunds, slashes, bond
//!    withdrawals) + Σ royalty vaults + Σ job vaults + Σ bond vaults + Σ transfer fees withheld
//!    in those accounts and harvested into the mint; every split's vault holds exactly what it
//!    was credited minus what it paid, and at least what its recipients are owed; every bond
//!    vault holds its provider's bond, every job vault its job's fee; each successful
//!    transaction moved exactly what an independent model of it expects (per token account);
//!    and a refused transaction changed no account at all.
//!    `TESSERA_SEED=<n|0xhex|random>` replays a seed; `TESSERA_RUNTIME_OPS=<n>` (default
//!    10,000) sets the length; `TESSERA_VERBOSE=1` lists the refusals by operation and error.
//!    An ADVERSARY (issue 14) acts between steps: it sends tokens straight to existing vaults
//!    (job, bond and split vaults, the treasury) and lamports to addresses the programs will
//!    create later (passes, jobs, providers, assets and their mints, splits and vaults). What
//!    it sends is paid in; the model keeps it as the vault's surplus until the documented party
//!    gets it (job vault → the consumer at settlement or refund; bond vault → the provider's
//!    bond via `sync_bond`; split vault → the split's pool via `sync`). A refusal caused by the
//!    adversary (a creation refused at a pre-funded address, a close refused for stray tokens)
//!    is a violation. At the end, LIVENESS: every live job is driven to a terminal state by its
//!    own parties, every funded wallet buys every listed asset, every recipient claims what it
//!    is owed, every provider withdraws its whole bond after the delay, and no surplus is left
//!    unaccounted. `TESSERA_ADVERSARY=0` turns the adversary off (`tokens` / `lamports`: only
//!    that half), for debugging.
//!    PAYMENT CHANNELS (issue 15, `channels`): after each step, with their own generator (so that
//!    the draws above are the same with or without them), channel operations: open (three payers
//!    of their own, a provider serving the model as payee), top up, settle vouchers (two in one
//!    transaction when they fit a packet), request the close, finalize after the grace, settle
//!    and close by the payee; refused on purpose: a stale voucher re-settled, one above the
//!    deposit, one by another signer; the adversary's stray tokens in channel vaults and
//!    lamports at future channel addresses. After every step, per mint: Σ received by the
//!    vaults (deposits + stray) = treasury + model splits + parents' splits + payees + refunds +
//!    what the live vaults hold, each settlement divided exactly by
//!    `tessera_common::lineage::inference_split`; at the end every channel is closed by its
//!    parties and every vault emptied. `TESSERA_CHANNELS=0` turns them off.
//! 2. `accounting_model_matches_an_independent_model`: the programs' pure accounting (registry
//!    `split_sale`, royalties `Split` deposit/claim/update/owed, escrow `payout`) against a
//!    simple model written here, property style. 100,000 operations by default;
//!    `TESSERA_LONG=1` runs 1,000,000 and `TESSERA_OPS=<n>` any count; `TESSERA_SEED` as above.
//!    Prints operations, operations/s and the seed; a failure prints the seed and the step.
//! 3. Two Token-2022 transfer-fee scenarios: `fee_mint_settlement_with_a_one_unit_royalty`
//!    (a royalty the fee eats entirely does not block a settlement) and
//!    `fee_mint_job_refunds_after_the_clients_harvest` (a job vault must be harvested before it
//!    closes; the client's flows do it).
//!
//! Layout: `sim` (the simulator: the world it drives, the account cache and `Sim::tx`),
//! `operations` (every instruction as a random operation, and the draw of the next one), `model`
//! (the movements and invariants the runtime must match), `adversary` and `liveness` (issue 14)
//! and `channels` (issue 15) for test 1; `accounting` for test 2; `rng` (seeds, the generator, the replay hint) for both.

#![allow(deprecated)]

mod accounting;
mod adversary;
mod channels;
mod liveness;
mod model;
mod operations;
mod rng;
mod sim;

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    escrow::{
        instructions::{OpenJobArgs, RegisterProviderArgs},
        state::Job,
    },
    ix::{
        self,
        escrow::{OpenJobAccounts, SettleAccounts},
    },
    pda,
    registry::state::AssetKind,
    TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    token2022::{harvest_ix, transfer_fee},
    world::publish_args,
    TestSigner,
};

use rng::{env_count, seed, ReplayHint};
use sim::{Sim, OPS, T0, TRANSFER_FEE_BPS, TRANSFER_FEE_MAX};

#[tokio::test]
async fn money_is_conserved_through_the_runtime() {
    let seed = seed(0x7E55_E4A0_C0DE_0010);
    let ops = env_count("TESSERA_RUNTIME_OPS").unwrap_or(10_000);
    println!("conservation through the runtime: seed {seed:#x} (replay: TESSERA_SEED={seed:#x}), {ops} operations");
    let started = Instant::now();
    let mut sim = Sim::new(seed).await;
    let setup = started.elapsed();
    let started = Instant::now();
    for step in 0..ops as usize {
        sim.step = step;
        let guard = ReplayHint {
            seed,
            step,
            ops_var: "TESSERA_RUNTIME_OPS",
        };
        sim.one_step().await;
        sim.check();
        drop(guard);
    }
    let elapsed = started.elapsed();
    let live_started = Instant::now();
    sim.step = ops as usize;
    // A failure here replays with the same number of operations.
    let guard = ReplayHint {
        seed,
        step: (ops as usize).saturating_sub(1),
        ops_var: "TESSERA_RUNTIME_OPS",
    };
    sim.liveness().await;
    drop(guard);
    let live_elapsed = live_started.elapsed();
    let mut names: Vec<_> = sim.stats.iter().collect();
    names.sort();
    for (op, (ok, err)) in &names {
        println!("  {op:<18} {ok:>6} succeeded {err:>6} refused");
    }
    if std::env::var("TESSERA_VERBOSE").is_ok() {
        let mut r: Vec<_> = sim.refusals.iter().collect();
        r.sort();
        for ((op, e), n) in r {
            println!("    {op:<18} {n:>6} × {e}");
        }
    }
    println!(
        "  {} assets, {} providers, {} live jobs; {} fee-mint settlements refused for withheld fees in the job vault; {} resolutions refused for the consumer's account = the provider's",
        sim.assets.len(),
        sim.provider.iter().flatten().count(),
        sim.jobs.len(),
        sim.withheld_close_refusals,
        sim.duplicate_account_refusals
    );
    const MONEY_OPS: &[&str] = &[
        "buy",
        "claim",
        "claim_for",
        "bond",
        "withdraw_bond",
        "open_job",
        "confirm_job",
        "release_job",
        "resolve_dispute",
        "refund_job",
    ];
    for (i, m) in sim.mints.iter().enumerate() {
        let counts: Vec<String> = MONEY_OPS
            .iter()
            .map(|op| format!("{op} {}", sim.per_mint.get(&(*op, i)).copied().unwrap_or(0)))
            .collect();
        println!("  mint {i} successes: {}", counts.join(", "));
        println!(
            "  mint {i} ({}, unit {}): paid in {}, paid out {}",
            if m.program == TOKEN_PROGRAM_ID {
                "SPL Token"
            } else if m.fee.is_some() {
                "Token-2022, transfer fee"
            } else {
                "Token-2022"
            },
            m.unit,
            sim.paid_in[i],
            sim.paid_out[i]
        );
    }
    println!(
        "{ops} operations in {:.1} s ({:.0} ops/s; setup {:.1} s; liveness {:.1} s), seed {seed:#x}",
        elapsed.as_secs_f64(),
        ops as f64 / elapsed.as_secs_f64(),
        setup.as_secs_f64(),
        live_elapsed.as_secs_f64()
    );
    if sim.chan.enabled {
        println!(
            "  channels: {} transactions settled two vouchers ({} pairs too large for a packet went one at a time); adversary: {} token transfers straight to channel vaults, {} pre-fundings of future channel addresses",
            sim.chan.double_settles,
            sim.chan.too_large,
            sim.stats.get("adversary_tokens:channel").map_or(0, |s| s.0),
            sim.stats.get("adversary_lamports:channel").map_or(0, |s| s.0)
        );
        for (i, l) in sim.chan.ledger.iter().enumerate() {
            println!(
                "  mint {i} channels: deposits {} + stray {} = treasury {} + model splits {} + parents {} + payees {} + refunds {}",
                l.deposits, l.stray, l.treasury, l.model_splits, l.parents, l.payees, l.refunds
            );
        }
    } else {
        println!("  channels off (TESSERA_CHANNELS=0)");
    }
    match &sim.adv {
        Some(a) => println!(
            "  adversary (tokens {}, lamports {}): {} token transfers straight to vaults, {} pre-fundings of future addresses ({} addresses)",
            a.tokens,
            a.lamports,
            sim.stats.get("adversary_tokens").map_or(0, |s| s.0),
            sim.stats.get("adversary_lamports").map_or(0, |s| s.0),
            sim.prefunded.len()
        ),
        None => println!("  adversary off (TESSERA_ADVERSARY=0)"),
    }
    for (what, first, n) in &sim.violations {
        println!("  VIOLATION ×{n}: {what}\n      first: {first}");
    }
    assert!(
        sim.violations.is_empty(),
        "{} kinds of violations of issue 14's guarantees (listed above), seed {seed:#x}",
        sim.violations.len()
    );
    if ops >= 5_000 && sim.chan.enabled {
        for op in channels::CHANNEL_OPS {
            let (ok, err) = sim.stats.get(op).copied().unwrap_or_default();
            assert!(
                ok > 0 && err > 0,
                "{op}: {ok} succeeded, {err} refused: not exercised both ways"
            );
        }
        for op in channels::BAD_VOUCHER_OPS {
            assert!(sim.stats.get(op).is_some_and(|s| s.1 > 0), "{op} never tried");
        }
        assert!(sim.chan.double_settles > 0, "no transaction settled two vouchers");
    }
    if ops >= 5_000 {
        // Every operation was exercised both ways, so neither kind of check is vacuous.
        for op in OPS {
            let (ok, err) = sim.stats.get(op).copied().unwrap_or_default();
            assert!(ok > 0, "{op} never succeeded");
            if *op != "escrow_config" && *op != "update_provider" {
                assert!(err > 0, "{op} was never refused");
            }
        }
        for m in 0..sim.mints.len() {
            assert!(sim.paid_out[m] > 0, "mint {m}: nothing was ever paid out");
            for op in [
                "buy",
                "claim",
                "claim_for",
                "bond",
                "open_job",
                "confirm_job",
                "refund_job",
            ] {
                assert!(
                    sim.per_mint.get(&(op, m)).copied().unwrap_or(0) > 0,
                    "mint {m}: {op} never succeeded"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Token-2022 transfer-fee mints: two refusals the sequence test meets, as single scenarios.
// Both are ignored: they state the behaviour we want and fail today (see the notes).

/// A model in the transfer-fee mint (index 4), royalty `royalty_bps`, a provider (actor 2)
/// serving it with a bond, and job 1 of `fee` opened by actor 1 (at `T0`).
async fn fee_mint_open_job(royalty_bps: u16, fee: u64) -> (Sim, Pubkey) {
    const FEE_MINT: usize = 4;
    let mut sim = Sim::new(1).await;
    let m = (sim.mints[FEE_MINT].key, sim.mints[FEE_MINT].program);
    let (publisher, consumer, provider) = (sim.actor(0), sim.actor(1), sim.actor(2));
    let mut args = publish_args(0, 1_000_000, 0, &[(publisher.pubkey(), 10_000)]);
    args.content_hash[1] = 0x77;
    args.kind = AssetKind::Model;
    args.inference_royalty_bps = royalty_bps;
    let model = pda::asset(&publisher.pubkey(), &args.content_hash);
    sim.h.refresh_blockhash().await;
    sim.h
        .send(
            &[ix::registry::publish_asset(&publisher.pubkey(), &m.0, &m.1, None, args)],
            &[&publisher],
        )
        .await
        .expect("publish");
    let reg = ix::escrow::register_provider(
        &provider.pubkey(),
        &m.0,
        &m.1,
        RegisterProviderArgs {
            endpoint: "https://infer.example".into(),
            models: vec![model],
        },
    );
    let bond = ix::escrow::bond(&provider.pubkey(), &sim.wallets[2][FEE_MINT], &m.0, &m.1, 10_000_000);
    sim.h.refresh_blockhash().await;
    sim.h.send(&[reg, bond], &[&provider]).await.expect("register + bond");
    let args = OpenJobArgs {
        job_id: 1,
        fee,
        input_commitment: [0x11; 32],
        provider: None,
        accept_window: 60,
        delivery_window: 600,
        challenge_window: 3_600,
    };
    let open = ix::escrow::open_job(
        &OpenJobAccounts {
            consumer: consumer.pubkey(),
            model,
            mint: m.0,
            consumer_token_account: sim.wallets[1][FEE_MINT],
            token_program: m.1,
            gated: false,
        },
        args,
    );
    sim.h.refresh_blockhash().await;
    sim.h.send(&[open], &[&consumer]).await.expect("open_job");
    let job = pda::job(&consumer.pubkey(), 1);
    (sim, job)
}

/// A Token-2022 account holding withheld transfer fees cannot be closed
/// (`AccountHasWithheldTransferFees`, Token-2022 error 35), and a job vault of a transfer-fee
/// mint always holds the fee of the transfer that funded it. A bare refund (or settlement) used
/// to be refused unless the caller prepended the permissionless harvest; the escrow now
/// harvests the vault itself before closing it (the builders pass a Token-2022 mint writable),
/// so a bare refund goes through and clients no longer prepend a harvest.
#[tokio::test]
async fn fee_mint_job_refunds_without_the_clients_harvest() {
    let (mut sim, job_key) = fee_mint_open_job(0, 1_000_000).await;
    let job: Job = sim.h.fetch(&job_key).await.expect("job");
    for (i, m) in sim.mints.iter().enumerate() {
        let acc = sim.h.account(&m.key).await.expect("mint");
        assert_eq!(
            tessera_client::rpc::has_transfer_fee(&acc.owner, &acc.data),
            i == 4,
            "mint {i}"
        );
    }
    sim.h.set_time(T0 + 60).await;
    let caller = sim.actor(3);
    let refund = ix::escrow::refund_job(
        &caller.pubkey(),
        &job_key,
        &job,
        &sim.wallets[1][4],
        &TOKEN_2022_PROGRAM_ID,
    );
    sim.h.refresh_blockhash().await;
    let before = sim.h.balance(&sim.wallets[1][4]).await;
    sim.h
        .execute(&[refund], &[&caller])
        .await
        .expect("a bare refund in a transfer-fee mint");
    let back = sim.h.balance(&sim.wallets[1][4]).await - before;
    assert_eq!(
        back,
        job.fee - transfer_fee(job.fee, TRANSFER_FEE_BPS, TRANSFER_FEE_MAX),
        "the fee, net of the transfer fee"
    );
    assert!(
        sim.h.account(&job_key).await.is_none() && sim.h.account(&job.vault).await.is_none(),
        "job and vault closed"
    );
}

/// In a transfer-fee mint a 1-base-unit royalty share (any share at or below the transfer
/// fee) arrives as 0. `deposit` used to refuse that (`NothingReceived`), which refused the whole
/// settlement: such a delivered job could be neither confirmed nor released, and its fee stayed
/// locked. It now credits 0 and the settlement goes through.
#[tokio::test]
async fn fee_mint_settlement_with_a_one_unit_royalty() {
    // 10 base units, royalty 10 %: 1 unit to the model's split, eaten by the transfer fee.
    let (mut sim, job_key) = fee_mint_open_job(1_000, 11).await;
    let job: Job = sim.h.fetch(&job_key).await.expect("job");
    assert_eq!(job.fee, 10, "11 sent, 1 withheld");
    let provider = sim.actor(2);
    sim.h.refresh_blockhash().await;
    let config: tessera_client::escrow::state::EscrowConfig =
        sim.h.fetch(&pda::escrow_config()).await.expect("escrow config");
    sim.h
        .send(
            &[ix::escrow::accept_job(
                &provider.pubkey(),
                &job_key,
                &job,
                &config,
                u64::MAX,
            )],
            &[&provider],
        )
        .await
        .expect("accept");
    sim.h
        .send(
            &[ix::escrow::submit_result(&provider.pubkey(), &job_key, [0x22; 32])],
            &[&provider],
        )
        .await
        .expect("submit");
    let job: Job = sim.h.fetch(&job_key).await.expect("job");
    let s = SettleAccounts {
        provider_token_account: sim.wallets[2][4],
        treasury_token_account: sim.treasury_atas[4],
        token_program: TOKEN_2022_PROGRAM_ID,
        parent_splits: sim.parent_splits(&job).await,
    };
    let consumer = sim.actor(1);
    let harvest = harvest_ix(&sim.mints[4].key, &[&job.vault]);
    let res = sim
        .h
        .execute(&[harvest, ix::escrow::confirm_job(&job_key, &job, &s)], &[&consumer])
        .await;
    assert!(
        res.is_ok(),
        "confirm (after a harvest) of a job whose royalty is 1 unit: {res:?}"
    );
}

#[test]
fn accounting_model_matches_an_independent_model() {
    let seed = seed(0xACC0_0A7F_0000_0010);
    let ops = env_count("TESSERA_OPS").unwrap_or(if std::env::var("TESSERA_LONG").is_ok_and(|v| v != "0") {
        1_000_000
    } else {
        100_000
    });
    println!("accounting model: seed {seed:#x} (replay: TESSERA_SEED={seed:#x}), {ops} operations");
    let started = Instant::now();
    let r = accounting::run(seed, ops);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} operations ({} split deposits/claims/updates ({} claims refused, {} updates parked balances), {} sale breakdowns, {} settlement payouts, {} pass expiries) in {secs:.1} s: {:.0} ops/s, seed {seed:#x}",
        r.ops,
        r.split_ops,
        r.claim_refusals,
        r.update_refusals,
        r.sale_ops,
        r.payout_ops,
        r.expiry_ops,
        r.ops as f64 / secs
    );
}
