//! The cost of N inferences paid per call: by a payment channel (open, N off-chain vouchers,
//! one settlement per `SETTLE_EVERY` calls, close and finalize), by N escrow jobs (open, accept,
//! submit, confirm each), and by passes (N units in one purchase, or N purchases of one unit).
//! Every transaction is sent through the harness (Agave's runtime); its fee is what the bank
//! charges for its message (`get_fee_for_message`: 5,000 lamports per transaction signature and
//! per Ed25519 precompile signature).

use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    channel::{Voucher, VOUCHER_HEADER},
    channels::{instructions::InitializeConfigArgs, payout::SettleArgs, state::Channel},
    escrow::instructions::OpenJobArgs,
    ix::{
        self,
        channels::{OpenChannelAccounts, SettleAccounts},
    },
    pda,
    registry::{instructions::ParentInput, state::AssetKind},
    Instruction, Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::world::{publish_args, World, USDC};

/// The gate settles when the unsettled amount passes its threshold: the report assumes a
/// threshold of 1,000 calls, so one settlement per 1,000 calls (and one for the last voucher).
pub const SETTLE_EVERY: u64 = 1_000;
/// The price of one call in base units (0.001 USDC): the channel's per-call amount, each job's
/// fee and the pass's unit price.
pub const PRICE: u64 = 1_000;
/// The channels config of the report: 1% protocol fee, close grace 60 s .. 7 days.
const CHANNEL_FEE_BPS: u16 = 100;
const GRACE: u32 = 3_600;
const ED25519_PROGRAM_ID: Pubkey = Pubkey::from_str_const("Ed25519SigVerify111111111111111111111111111");

/// What N calls cost by one payment method.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PerCallRow {
    pub method: String,
    pub calls: u64,
    pub transactions: u64,
    /// Transaction signatures plus Ed25519 precompile signatures (what the fee is charged on).
    pub signatures: u64,
    /// What the runtime charges (`get_fee_for_message`), summed.
    pub fee_lamports: u64,
    /// Rent-exempt lamports of the accounts the transactions created.
    pub rent_locked: u64,
    /// Lamports of the accounts the transactions closed (returned to whoever paid the rent).
    pub rent_returned: u64,
    /// Bytes of the transactions on the wire.
    pub tx_bytes: u64,
    /// Bytes of the vouchers sent off chain (the `x-tessera-voucher: …` header lines).
    pub voucher_bytes: u64,
    /// false: extrapolated from the measured N = 1 and N = 100 rows (linear; see `render`).
    pub measured: bool,
}

impl PerCallRow {
    fn new(method: &str, calls: u64) -> Self {
        Self {
            method: method.into(),
            calls,
            measured: true,
            ..Default::default()
        }
    }

    /// `one + (hundred - one) × (n - 1) / 99`: the first call's fixed costs once, then the
    /// per-call increment measured between N = 1 and N = 100.
    fn extrapolate(one: &Self, hundred: &Self, n: u64) -> Self {
        let f = |a: u64, b: u64| -> u64 {
            let step = u128::from(b - a) * u128::from(n - 1) / 99;
            a + u64::try_from(step).expect("fits")
        };
        Self {
            method: one.method.clone(),
            calls: n,
            transactions: f(one.transactions, hundred.transactions),
            signatures: f(one.signatures, hundred.signatures),
            fee_lamports: f(one.fee_lamports, hundred.fee_lamports),
            rent_locked: f(one.rent_locked, hundred.rent_locked),
            rent_returned: f(one.rent_returned, hundred.rent_returned),
            tx_bytes: f(one.tx_bytes, hundred.tx_bytes),
            voucher_bytes: f(one.voucher_bytes, hundred.voucher_bytes),
            measured: false,
        }
    }
}

/// Sends `ixs` through the harness and adds what it cost to `row`.
async fn send(w: &mut World, row: &mut PerCallRow, ixs: &[Instruction], signers: &[&Keypair]) {
    w.h.refresh_blockhash().await;
    let tx = w.h.sign_unique(ixs, signers).await;
    let fee =
        w.h.ctx
            .banks_client
            .get_fee_for_message(tx.message.clone())
            .await
            .expect("fee")
            .expect("blockhash known");
    let ed25519 = ixs
        .iter()
        .filter(|i| i.program_id == ED25519_PROGRAM_ID)
        .map(|i| u64::from(i.data.first().copied().unwrap_or(0)))
        .sum::<u64>();
    let keys = tx.message.account_keys.clone();
    let mut before = Vec::with_capacity(keys.len());
    for k in &keys {
        before.push(w.h.account(k).await.map(|a| a.lamports));
    }
    let (_, stats) =
        w.h.process_measured(tx.clone().into())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", row.method));
    for (k, b) in keys.iter().zip(before) {
        if let Some(lamports) = b {
            if w.h.account(k).await.is_none() {
                row.rent_returned += lamports;
            }
        }
    }
    row.transactions += 1;
    row.signatures += tx.signatures.len() as u64 + ed25519;
    row.fee_lamports += fee;
    row.rent_locked += stats.rent_created;
    row.tx_bytes += stats.size as u64;
}

struct Setup {
    model: Pubkey,
    provider: Keypair,
    provider_usdc: Pubkey,
    next_job: u64,
    seed: u8,
}

/// The three methods for each N of `ns` (1 and 100 always measured; a larger N measured for
/// the channel and the single purchase, extrapolated for jobs and separate purchases).
pub async fn run(w: &mut World, ns: &[u64]) -> Vec<PerCallRow> {
    // The channels config, and a model (20% inference royalty, two parent datasets) served by a
    // bonded provider, priced PRICE per unit.
    let admin = w.admin.insecure_clone();
    let init = ix::channels::initialize_config(
        &admin.pubkey(),
        InitializeConfigArgs {
            admin: admin.pubkey(),
            treasury: w.treasury.pubkey(),
            fee_bps: CHANNEL_FEE_BPS,
            min_close_grace: 60,
            max_close_grace: 7 * 86_400,
        },
    );
    w.h.send(&[init], &[&admin]).await.expect("channels initialize_config");
    let (_, d1) = w.listed(120, USDC, 0).await;
    let (_, d2) = w.listed(121, USDC, 0).await;
    let publisher = w.keypair().await;
    let mut args = publish_args(122, PRICE, 60, &[(publisher.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    args.inference_royalty_bps = 2_000;
    args.parents = vec![
        ParentInput { asset: d1, bps: 3_000 },
        ParentInput { asset: d2, bps: 1_000 },
    ];
    let model = w.publish(&publisher, args).await.expect("publish model");
    let (provider, _) = w.provider(&[model], 10 * USDC).await;
    let provider_usdc = pda::ata(&provider.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID);
    let mut s = Setup {
        model,
        provider,
        provider_usdc,
        next_job: 1,
        seed: 0,
    };

    let mut rows = vec![];
    let mut by_job: Vec<PerCallRow> = vec![];
    let mut by_purchases: Vec<PerCallRow> = vec![];
    for &n in ns {
        rows.push(channel(w, &mut s, n).await);
        if n <= 100 {
            let r = jobs(w, &mut s, n).await;
            by_job.push(r.clone());
            rows.push(r);
        } else {
            rows.push(PerCallRow::extrapolate(&by_job[0], &by_job[1], n));
        }
        rows.push(one_purchase(w, &mut s, n).await);
        if n <= 100 {
            let r = purchases(w, &mut s, n).await;
            by_purchases.push(r.clone());
            rows.push(r);
        } else {
            rows.push(PerCallRow::extrapolate(&by_purchases[0], &by_purchases[1], n));
        }
    }
    rows
}

/// A fresh payer with `usdc` base units.
async fn payer(w: &mut World, usdc: u64) -> (Keypair, Pubkey) {
    w.buyer(usdc).await
}

async fn channel(w: &mut World, s: &mut Setup, n: u64) -> PerCallRow {
    let mut row = PerCallRow::new(&format!("channel (1 settle / {SETTLE_EVERY} calls)"), n);
    let deposit = n * PRICE;
    let (payer, payer_usdc) = payer(w, deposit).await;
    let open = ix::channels::open_channel(
        &OpenChannelAccounts {
            payer: payer.pubkey(),
            model: s.model,
            provider_authority: s.provider.pubkey(),
            mint: w.usdc,
            payer_token_account: payer_usdc,
            token_program: TOKEN_PROGRAM_ID,
            gated: false,
        },
        tessera_client::channels::instructions::OpenChannelArgs {
            channel_id: 1,
            deposit,
            authorized_signer: payer.pubkey(),
            close_grace: GRACE,
        },
    );
    send(w, &mut row, &[open], &[&payer]).await;
    let key = pda::channel(&payer.pubkey(), 1);
    let model = w.asset(&s.model).await;
    let payees = SettleAccounts {
        payee_token_account: s.provider_usdc,
        treasury_token_account: w.treasury_usdc,
        token_program: TOKEN_PROGRAM_ID,
    };
    // One voucher per call (what the client sends); the gate settles every SETTLE_EVERY calls
    // and the last voucher.
    for call in 1..=n {
        let v = Voucher::sign(&payer, &key, call * PRICE, 0);
        row.voucher_bytes += (VOUCHER_HEADER.len() + 2 + v.encode().len() + 2) as u64;
        if call % SETTLE_EVERY == 0 || call == n {
            let c: Channel = w.h.fetch(&key).await.expect("channel");
            let args = SettleArgs {
                cumulative: call * PRICE,
                expiry: 0,
            };
            let sig = ix::channels::sign_voucher(&payer, &key, args.cumulative, 0);
            let ixs = ix::channels::settle(&key, &c, &model, &payees, args, &sig);
            send(w, &mut row, &ixs, &[]).await;
        }
    }
    let c: Channel = w.h.fetch(&key).await.expect("channel");
    send(w, &mut row, &[ix::channels::request_close(&key, &c)], &[&payer]).await;
    let clock: anchor_lang::prelude::Clock = w.h.ctx.banks_client.get_sysvar().await.expect("clock");
    w.h.set_time(clock.unix_timestamp + i64::from(GRACE) + 1).await;
    let c: Channel = w.h.fetch(&key).await.expect("channel");
    let fin = ix::channels::finalize_close(&payer.pubkey(), &key, &c, &payer_usdc, &TOKEN_PROGRAM_ID);
    send(w, &mut row, &[fin], &[&payer]).await;
    row
}

async fn jobs(w: &mut World, s: &mut Setup, n: u64) -> PerCallRow {
    let mut row = PerCallRow::new("escrow jobs (open, accept, submit, confirm)", n);
    let (consumer, consumer_usdc) = payer(w, n * PRICE).await;
    let config = w.escrow_config().await;
    for _ in 0..n {
        let id = s.next_job;
        s.next_job += 1;
        let args = OpenJobArgs {
            job_id: id,
            fee: PRICE,
            input_commitment: [1; 32],
            provider: None,
            accept_window: 60,
            delivery_window: 600,
            challenge_window: 3_600,
        };
        let ix = w.open_job_ix(&consumer.pubkey(), &consumer_usdc, &s.model, false, args);
        send(w, &mut row, &[ix], &[&consumer]).await;
        let job = pda::job(&consumer.pubkey(), id);
        let j = w.job(&job).await;
        let ix = ix::escrow::accept_job(&s.provider.pubkey(), &job, &j, &config, u64::MAX);
        send(w, &mut row, &[ix], &[&s.provider]).await;
        let ix = ix::escrow::submit_result(&s.provider.pubkey(), &job, [2; 32]);
        send(w, &mut row, &[ix], &[&s.provider]).await;
        let j = w.job(&job).await;
        let accounts = w.settle_accounts_for(&j).await;
        let ix = ix::escrow::confirm_job(&job, &j, &accounts);
        send(w, &mut row, &[ix], &[&consumer]).await;
    }
    row
}

/// A fresh buyer buys N units of the model's pass in one purchase.
async fn one_purchase(w: &mut World, s: &mut Setup, n: u64) -> PerCallRow {
    let mut row = PerCallRow::new("pass: one purchase of N units", n);
    s.seed += 1;
    let (buyer, buyer_usdc) = payer(w, n * PRICE).await;
    let ix = w.buy_ix(&buyer.pubkey(), &buyer_usdc, &s.model, n, PRICE).await;
    send(w, &mut row, &[ix], &[&buyer]).await;
    row
}

/// A fresh buyer buys one unit N times.
async fn purchases(w: &mut World, s: &mut Setup, n: u64) -> PerCallRow {
    let mut row = PerCallRow::new("pass: N purchases of 1 unit", n);
    let (buyer, buyer_usdc) = payer(w, n * PRICE).await;
    for _ in 0..n {
        let ix = w.buy_ix(&buyer.pubkey(), &buyer_usdc, &s.model, 1, PRICE).await;
        send(w, &mut row, &[ix], &[&buyer]).await;
    }
    row
}

/// The per-call table.
pub fn render(rows: &[PerCallRow]) -> String {
    let mut out = String::from(
        "| N calls | method | transactions | signatures | fees (lamports) | rent locked / returned (lamports) | bytes on chain | voucher bytes off chain | |\n|---:|---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} / {} | {} | {} | {} |\n",
            r.calls,
            r.method,
            r.transactions,
            r.signatures,
            r.fee_lamports,
            r.rent_locked,
            r.rent_returned,
            r.tx_bytes,
            r.voucher_bytes,
            if r.measured {
                "measured"
            } else {
                "extrapolated (linear)"
            }
        ));
    }
    out.push_str(&format!(
        "\nPrice {PRICE} base units per call. The channel is opened with a deposit of N calls; the gate settles every {SETTLE_EVERY} calls and the last voucher (an Ed25519 precompile instruction + settle, sent by anyone); then request_close, and finalize_close after the grace returns the unspent deposit and the channel's rent. Jobs and separate purchases for N > 100 are extrapolated from N = 1 and N = 100: first call's costs + (N - 1) × the measured per-call increment. Fees are what the bank charges for each message: 5,000 lamports per signature, the Ed25519 precompile's voucher signature included (a settle pays 10,000). Every transaction here is paid by the harness's fee payer, so it carries one signature more than when its signer pays its own fee: subtract 5,000 lamports per transaction but the settles for that case. Rent returned: the channel and its vault at finalize_close (the payer's channel counter stays), a job at confirm_job; a pass is never closed.\n"
    ));
    out
}
