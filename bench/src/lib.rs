//! The cost report: each Tessera flow run through Agave's runtime (`solana-program-test`, the
//! programs host-compiled, SPL Token as real SBF), measured — transaction size, accounts,
//! instructions, inner instructions (CPIs), compute units, rent of created accounts — beside a
//! push-style sale (one SPL transfer per recipient in the sale transaction); and, optionally,
//! buy_access throughput on the local validator.
#![allow(deprecated)] // solana-program-test 3.x marks its API "Agave unstable"; pinned exactly.

pub mod per_call;
pub mod throughput;

use anchor_lang::event::EVENT_IX_TAG_LE;
use anchor_spl::token_2022::spl_token_2022;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    escrow::instructions::OpenJobArgs,
    ix, pda,
    registry::{instructions::ParentInput, state::AssetKind},
    royalties::instructions::UpdateSplitArgs,
    Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    world::{publish_args, recipients, World, USDC},
    LookupTable, Outcome, TxStats, PACKET_DATA_SIZE,
};

/// One measured transaction.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub flow: String,
    /// Bytes on the wire.
    pub size: usize,
    /// Whether it was sent as a v0 transaction through an address lookup table.
    pub lookup_table: bool,
    /// Bytes the same transaction takes in the legacy format (no lookup table).
    pub legacy_size: usize,
    pub accounts: usize,
    pub instructions: usize,
    /// Inner instructions (CPIs), `emit_cpi!` event self-invocations included.
    pub cpis: usize,
    pub events: usize,
    /// As the runtime reports them: host-compiled Tessera code counts 1 CU per invocation;
    /// the SPL Token / ATA / system programs it calls are metered for real.
    pub compute_units: u64,
    /// Rent-exempt lamports of the accounts created.
    pub rent_lamports: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushRow {
    pub recipients: usize,
    pub push: Row,
    pub tessera_buy: Row,
    /// push CU / Tessera CU (see `Row::compute_units` for what Tessera's CU include).
    pub cu_ratio: f64,
    pub size_ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub flows: Vec<Row>,
    pub push_vs_tessera: Vec<PushRow>,
    /// The most recipients a push-style sale fits in one 1,232-byte legacy transaction.
    pub push_max_recipients_legacy: usize,
    pub buy_by_recipients: Vec<(usize, Row)>,
    pub claim_by_sales: Vec<(u64, Row)>,
    /// The cost of N calls by channel, escrow jobs and passes (see [`per_call`]).
    pub per_call: Vec<per_call::PerCallRow>,
    pub throughput: Option<throughput::Throughput>,
    /// Every invariant the report checks, and whether it held.
    pub checks: Vec<(String, bool)>,
}

pub struct Options {
    /// Sales before the largest claim measurement (10,000 in the full report).
    pub max_sales: u64,
    /// Seconds of buy_access throughput on the local validator (0: skip).
    pub throughput_secs: u64,
    pub senders: usize,
    /// The largest N of the per-call comparison (1 and 100 are always run; 10,000 in the full
    /// report).
    pub per_call_max: u64,
}

fn row(flow: &str, (out, stats): &(Outcome, TxStats), legacy_size: usize, lookup_table: bool) -> Row {
    Row {
        flow: flow.to_string(),
        size: stats.size,
        lookup_table,
        legacy_size,
        accounts: stats.accounts,
        instructions: stats.instructions,
        cpis: out.inner.len(),
        events: out.inner.iter().filter(|(_, d)| d.starts_with(EVENT_IX_TAG_LE)).count(),
        compute_units: out.compute_units,
        rent_lamports: stats.rent_created,
    }
}

struct Bench {
    w: World,
}

impl Bench {
    /// Sends as a legacy transaction, or — when that would exceed the packet size — as a v0
    /// transaction through a lookup table holding `table_candidates`.
    async fn measure(
        &mut self,
        flow: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        table_candidates: &[Pubkey],
    ) -> Row {
        let legacy = self.w.h.sign(ixs, signers);
        let legacy_size = TxStats::of(&legacy.clone().into()).size;
        if legacy_size <= PACKET_DATA_SIZE || table_candidates.is_empty() {
            let m = self
                .w
                .h
                .send_measured(ixs, signers)
                .await
                .unwrap_or_else(|e| panic!("{flow}: {e:?}"));
            return row(flow, &m, legacy_size, false);
        }
        let table: LookupTable = self.w.h.lookup_table(table_candidates).await;
        let tx = self.w.h.sign_v0(ixs, signers, &[table]);
        let m = self
            .w
            .h
            .process_measured(tx)
            .await
            .unwrap_or_else(|e| panic!("{flow}: {e:?}"));
        row(flow, &m, legacy_size, true)
    }
}

/// `n` recipients with equal shares (the first takes the remainder).
fn shares(n: usize) -> Vec<(Pubkey, u16)> {
    let each = 10_000 / n as u16;
    (0..n)
        .map(|i| {
            (
                Keypair::new().pubkey(),
                if i == 0 { 10_000 - each * (n as u16 - 1) } else { each },
            )
        })
        .collect()
}

pub async fn run(opts: &Options) -> Report {
    let mut w = World::new(250).await;
    w.init_escrow(100, 2_000, USDC, 86_400).await;
    let mut b = Bench { w };
    let mut flows = vec![];
    let mut checks: Vec<(String, bool)> = vec![];

    // Publish a dataset.
    let publisher = b.w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let ix = b.w.publish_ix(&publisher.pubkey(), args);
    flows.push(b.measure("publish a dataset", &[ix], &[&publisher], &[]).await);

    // Publish a model with 8 parents.
    let mut parents = vec![];
    for s in 0..8u8 {
        parents.push(b.w.listed(10 + s, USDC, 0).await.1);
    }
    let mut args = publish_args(20, 10 * USDC, 0, &[(publisher.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    args.parents = parents.iter().map(|&asset| ParentInput { asset, bps: 500 }).collect();
    let model = pda::asset(&publisher.pubkey(), &args.content_hash);
    let ix = b.w.publish_ix(&publisher.pubkey(), args);
    flows.push(
        b.measure("publish a model with 8 parents", &[ix], &[&publisher], &parents)
            .await,
    );

    // Buys by number of recipients (first purchase creates the pass and the token account;
    // the repeat purchase is the steady state compared across split sizes).
    let (buyer, buyer_usdc) = b.w.buyer(1_000_000 * USDC).await;
    let mut buy_by_recipients = vec![];
    let mut push_rows = vec![];
    for (i, n) in [1usize, 4, 8, 16].into_iter().enumerate() {
        let split = shares(n);
        let p = b.w.keypair().await;
        let asset =
            b.w.publish(&p, publish_args(30 + i as u8, USDC, 3_600, &split))
                .await
                .expect("publish");
        let ix = b.w.buy_ix(&buyer.pubkey(), &buyer_usdc, &asset, 1, USDC).await;
        let first = b
            .measure(
                &format!("buy access, split of {n} (first purchase)"),
                &[ix],
                &[&buyer],
                &[],
            )
            .await;
        let ix = b.w.buy_ix(&buyer.pubkey(), &buyer_usdc, &asset, 1, USDC).await;
        let again = b
            .measure(&format!("buy access, split of {n}"), &[ix], &[&buyer], &[])
            .await;
        if n == 1 || n == 16 {
            flows.push(first);
            flows.push(again.clone());
        }
        buy_by_recipients.push((n, again.clone()));

        // Push-style: the fee and every recipient's share as separate SPL transfers.
        let mut ixs = vec![];
        let amounts = push_amounts(USDC, 250, &split);
        let usdc = b.w.usdc;
        let treasury = b.w.treasury_usdc;
        ixs.push(transfer(&buyer_usdc, &usdc, &treasury, &buyer.pubkey(), amounts.0));
        for ((r, _), amount) in split.iter().zip(amounts.1) {
            let ata = b.w.h.ata(r, &usdc, &TOKEN_PROGRAM_ID).await;
            ixs.push(transfer(&buyer_usdc, &usdc, &ata, &buyer.pubkey(), amount));
        }
        let push = b
            .measure(&format!("push-style sale, {n} recipients"), &ixs, &[&buyer], &[])
            .await;
        push_rows.push(PushRow {
            recipients: n,
            cu_ratio: push.compute_units as f64 / again.compute_units.max(1) as f64,
            size_ratio: push.size as f64 / again.size as f64,
            push,
            tessera_buy: again,
        });
    }
    let push_max = push_max_recipients(&mut b, &buyer, &buyer_usdc).await;

    // Buy a model with 8 parents (its 16 parent accounts go through a lookup table if needed).
    let ix = b.w.buy_ix(&buyer.pubkey(), &buyer_usdc, &model, 1, 10 * USDC).await;
    let parent_accounts: Vec<Pubkey> = parents
        .iter()
        .flat_map(|p| {
            let s = pda::split(p);
            [s, pda::vault(&s)]
        })
        .collect();
    flows.push(
        b.measure(
            "buy access of a model with 8 parents",
            &[ix],
            &[&buyer],
            &parent_accounts,
        )
        .await,
    );

    // Claims after 1, 100, … sales.
    let recipient = b.w.keypair().await;
    let claimer = b.w.keypair().await;
    let mut claim_by_sales = vec![];
    let mut targets = vec![1u64, 100];
    if opts.max_sales > 100 {
        targets.push(opts.max_sales);
    }
    for (i, sales) in targets.iter().enumerate() {
        let asset =
            b.w.publish(
                &recipient,
                publish_args(
                    60 + i as u8,
                    USDC,
                    0,
                    &[(claimer.pubkey(), 5_000), (recipient.pubkey(), 5_000)],
                ),
            )
            .await
            .expect("publish");
        let batch = 6; // each purchase is ~8 instruction-trace entries; a transaction allows 64
        let mut done = 0;
        while done < *sales {
            let n = batch.min(sales - done);
            let mut ixs = vec![];
            for _ in 0..n {
                ixs.push(b.w.buy_ix(&buyer.pubkey(), &buyer_usdc, &asset, 1, USDC).await);
            }
            // Several purchases per transaction keep the report fast; each is one sale.
            b.w.h.send(&ixs, &[&buyer]).await.expect("sale");
            done += n;
        }
        assert_eq!(b.w.asset(&asset).await.sales, *sales);
        let usdc = b.w.usdc;
        let dest = b.w.h.ata(&claimer.pubkey(), &usdc, &TOKEN_PROGRAM_ID).await;
        let ix = ix::royalties::claim(&claimer.pubkey(), &pda::split(&asset), &usdc, &dest, &TOKEN_PROGRAM_ID);
        let r = b
            .measure(&format!("claim after {sales} sales"), &[ix], &[&claimer], &[])
            .await;
        if *sales == 1 || sales == targets.last().unwrap() {
            flows.push(r.clone());
        }
        claim_by_sales.push((*sales, r));
    }

    // Update a split (16 recipients → 16 others).
    let auth = b.w.keypair().await;
    let (_, split) = {
        let subject = Keypair::new();
        let ix = ix::royalties::create_split(
            &b.w.h.payer(),
            &subject.pubkey(),
            &b.w.usdc,
            &TOKEN_PROGRAM_ID,
            tessera_client::royalties::instructions::CreateSplitArgs {
                authority: auth.pubkey(),
                recipients: recipients(&shares(16)),
            },
        );
        b.w.h.send(&[ix], &[&subject]).await.expect("split");
        ((), pda::split(&subject.pubkey()))
    };
    let ix = ix::royalties::update_split(
        &auth.pubkey(),
        &split,
        0,
        UpdateSplitArgs {
            recipients: recipients(&shares(16)),
        },
    );
    flows.push(b.measure("update a split (16 recipients)", &[ix], &[&auth], &[]).await);

    // Jobs: open, accept, deliver, release; and a refund.
    let (prov, _) = b.w.provider(&[model], 10 * USDC).await;
    let t0 = 1_800_000_000;
    b.w.h.set_time(t0).await;
    let args = OpenJobArgs {
        job_id: 1,
        fee: 2 * USDC,
        input_commitment: [1; 32],
        provider: None,
        accept_window: 60,
        delivery_window: 600,
        challenge_window: 3_600,
    };
    let ix =
        b.w.open_job_ix(&buyer.pubkey(), &buyer_usdc, &model, false, args.clone());
    flows.push(b.measure("open a job", &[ix], &[&buyer], &[]).await);
    let job = pda::job(&buyer.pubkey(), 1);
    let jo = b.w.job(&job).await;
    let config = b.w.escrow_config().await;
    let ix = ix::escrow::accept_job(&prov.pubkey(), &job, &jo, &config, u64::MAX);
    flows.push(b.measure("accept a job", &[ix], &[&prov], &[]).await);
    let ix = ix::escrow::submit_result(&prov.pubkey(), &job, [2; 32]);
    flows.push(b.measure("deliver a job", &[ix], &[&prov], &[]).await);
    b.w.h.set_time(t0 + 4_000).await;
    let j = b.w.job(&job).await;
    let s = b.w.settle_accounts_for(&j).await;
    let caller = b.w.keypair().await;
    let ix = ix::escrow::release_job(&caller.pubkey(), &job, &j, &s);
    flows.push(b.measure("release a job", &[ix], &[&caller], &parent_accounts).await);
    let ix = b.w.open_job_ix(
        &buyer.pubkey(),
        &buyer_usdc,
        &model,
        false,
        OpenJobArgs { job_id: 2, ..args },
    );
    b.w.h.send(&[ix], &[&buyer]).await.expect("open");
    b.w.h.set_time(t0 + 4_100).await;
    let job2 = pda::job(&buyer.pubkey(), 2);
    let j2 = b.w.job(&job2).await;
    let ix = ix::escrow::refund_job(&caller.pubkey(), &job2, &j2, &buyer_usdc, &TOKEN_PROGRAM_ID);
    flows.push(
        b.measure("refund a job (nobody accepted)", &[ix], &[&caller], &[])
            .await,
    );

    // N calls by channel, by escrow jobs, by passes.
    let mut ns = vec![1u64, 100];
    if opts.per_call_max > 100 {
        ns.push(opts.per_call_max);
    }
    let per_call = per_call::run(&mut b.w, &ns).await;
    for &n in &ns {
        let of = |prefix: &str| per_call.iter().find(|r| r.calls == n && r.method.starts_with(prefix));
        if let (Some(c), Some(j)) = (of("channel"), of("escrow")) {
            checks.push((
                format!(
                    "{n} calls: channel fees {} ≤ escrow-job fees {} (< from 100 calls)",
                    c.fee_lamports, j.fee_lamports
                ),
                c.fee_lamports <= j.fee_lamports && (n < 100 || c.fee_lamports < j.fee_lamports),
            ));
        }
    }

    // The checks that make a regression fail the report.
    for r in &flows {
        checks.push((
            format!("{}: {} bytes ≤ {PACKET_DATA_SIZE}", r.flow, r.size),
            r.size <= PACKET_DATA_SIZE,
        ));
    }
    let same = |rows: &[Row]| {
        rows.windows(2)
            .all(|p| p[0].compute_units == p[1].compute_units && p[0].cpis == p[1].cpis)
    };
    let buys: Vec<Row> = buy_by_recipients.iter().map(|(_, r)| r.clone()).collect();
    checks.push((
        "buy: same CU and CPIs for 1, 4, 8 and 16 recipients".into(),
        same(&buys),
    ));
    let claims: Vec<Row> = claim_by_sales.iter().map(|(_, r)| r.clone()).collect();
    checks.push((
        format!(
            "claim: same CU, CPIs and size after 1 … {} sales",
            targets.last().unwrap()
        ),
        same(&claims) && claims.windows(2).all(|p| p[0].size == p[1].size),
    ));

    let throughput = if opts.throughput_secs > 0 {
        Some(throughput::run(opts.throughput_secs, opts.senders))
    } else {
        None
    };
    if let Some(t) = &throughput {
        checks.push((
            format!("throughput: {} confirmed buys, {} failed", t.confirmed, t.failed),
            t.failed == 0 && t.confirmed > 0,
        ));
    }

    Report {
        flows,
        push_vs_tessera: push_rows,
        push_max_recipients_legacy: push_max,
        buy_by_recipients,
        claim_by_sales,
        per_call,
        throughput,
        checks,
    }
}

/// The push-style amounts: the fee, then each recipient's share of the rest (the first takes
/// the rounding remainder).
fn push_amounts(price: u64, fee_bps: u64, split: &[(Pubkey, u16)]) -> (u64, Vec<u64>) {
    let fee = price * fee_bps / 10_000;
    let net = price - fee;
    let mut parts: Vec<u64> = split.iter().map(|(_, bps)| net * u64::from(*bps) / 10_000).collect();
    let rest = net - parts.iter().sum::<u64>();
    parts[0] += rest;
    (fee, parts)
}

fn transfer(from: &Pubkey, mint: &Pubkey, to: &Pubkey, owner: &Pubkey, amount: u64) -> Instruction {
    spl_token_2022::instruction::transfer_checked(&TOKEN_PROGRAM_ID, from, mint, to, owner, &[], amount, 6)
        .expect("transfer_checked")
}

/// The most recipients a push-style sale fits in a legacy transaction (sized, not sent).
async fn push_max_recipients(b: &mut Bench, buyer: &Keypair, buyer_usdc: &Pubkey) -> usize {
    let usdc = b.w.usdc;
    let mut n = 1;
    loop {
        let ixs: Vec<Instruction> =
            std::iter::once(transfer(buyer_usdc, &usdc, &b.w.treasury_usdc, &buyer.pubkey(), 1))
                .chain((0..n + 1).map(|_| transfer(buyer_usdc, &usdc, &Keypair::new().pubkey(), &buyer.pubkey(), 1)))
                .collect();
        let tx = b.w.h.sign(&ixs, &[buyer]);
        if TxStats::of(&tx.into()).size > PACKET_DATA_SIZE {
            return n;
        }
        n += 1;
    }
}

/// The report as a text table.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    out.push_str("| flow | size (B) | accounts | ixs | CPIs (events) | CU | rent (lamports) |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for f in &r.flows {
        let size = if f.lookup_table {
            format!("{} (v0 + lookup table; legacy {})", f.size, f.legacy_size)
        } else {
            f.size.to_string()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {} | {} |\n",
            f.flow, size, f.accounts, f.instructions, f.cpis, f.events, f.compute_units, f.rent_lamports
        ));
    }
    out.push_str("\n| recipients | push-style size | push-style CU | Tessera buy size | Tessera buy CU | CU ratio |\n|---:|---:|---:|---:|---:|---:|\n");
    for p in &r.push_vs_tessera {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2}× |\n",
            p.recipients,
            p.push.size,
            p.push.compute_units,
            p.tessera_buy.size,
            p.tessera_buy.compute_units,
            p.cu_ratio
        ));
    }
    out.push_str(&format!(
        "\nA push-style sale outgrows a 1,232-byte legacy transaction past {} recipients (one transfer and one token account per recipient); Tessera's sale has the same accounts, CPIs and CU whatever the split.\n",
        r.push_max_recipients_legacy
    ));
    out.push_str("\n| claim after N sales | size | CPIs | CU |\n|---:|---:|---:|---:|\n");
    for (n, c) in &r.claim_by_sales {
        out.push_str(&format!("| {n} | {} | {} | {} |\n", c.size, c.cpis, c.compute_units));
    }
    out.push_str(&format!("\n{}", per_call::render(&r.per_call)));
    if let Some(t) = &r.throughput {
        out.push_str(&format!("\n{}\n", t.render()));
    }
    out.push_str("\nchecks:\n");
    for (c, ok) in &r.checks {
        out.push_str(&format!("  [{}] {c}\n", if *ok { "ok" } else { "FAIL" }));
    }
    out
}
