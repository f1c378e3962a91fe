//! Open-loop chain throughput on the local validator (issue 17).
//!
//! Starts `tessera-localnet` (`$TESSERA_LOCALNET`, else the debug build), publishes `--assets`
//! assets, funds `--buyers` buyers with SOL and USDC in batches and lets every buyer buy every
//! asset once (set-up, not timed: every measured purchase then extends an existing pass). Then,
//! at each offered rate of `--rates`, for `--secs` seconds: pre-signs the transactions, sends them
//! on a fixed schedule (skip-preflight, never waiting for one), and polls `getSignatureStatuses`
//! in batches of up to 256 until each is confirmed or failed (or `--drain` seconds after the
//! last send). Plain SOL transfers run at the same rates on the same validator, as the reference.
//! Purchases stop rising once confirmed/s falls below half the offered rate. Then purchases of
//! one asset against purchases spread over all assets, at one offered rate (`--spread-rate`, by
//! default the first rate purchases did not keep up with: confirmed/s below 90 % of it). For every step: the validator's CPU%
//! (utime+stime from /proc/PID/stat over the step) and its peak RSS, and the threads that used
//! the most CPU (/proc/PID/task/*/stat, grouped by name). Last, the write set of a purchase.
//!
//! cargo build --locked --workspace --example open_loop
//! $CARGO_TARGET_DIR/debug/examples/open_loop [--rates 25,50,100,200,400] [--secs 5] [--buyers 16]
//!     [--assets 16] [--senders 8] [--drain 20] [--spread-rate N] [--profile]
//! $CARGO_TARGET_DIR/debug/examples/open_loop --write-set   # the settlements' write sets only, no validator

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use solana_client::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tessera_client::{
    ix::{self, registry::BuyAccounts},
    pda,
    registry::instructions::{BuyAccessArgs, InitializeConfigArgs, PublishAssetArgs},
    registry::state::{Asset, AssetKind, License},
    royalties::state::RecipientInput,
    Instruction, Pubkey, Tessera, TOKEN_PROGRAM_ID,
};
use tessera_dev::{DevFlows, Localnet};

const PRICE: u64 = 1_000_000;

struct Opts {
    rates: Vec<u64>,
    secs: f64,
    buyers: usize,
    assets: usize,
    senders: usize,
    drain: f64,
    spread_rate: Option<u64>,
    /// `--profile`: sample the validator with `perf` during a transfer step and a purchase step.
    profile: bool,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |flag: &str, default: f64| -> f64 {
        get(flag).map_or(default, |v| {
            v.parse().unwrap_or_else(|_| {
                eprintln!("error: {flag} expects a number, got {v}");
                std::process::exit(2)
            })
        })
    };
    let rates = get("--rates").map_or(vec![25, 50, 100, 200, 400], |v| {
        v.split(',')
            .map(|r| {
                r.trim().parse().unwrap_or_else(|_| {
                    eprintln!("error: --rates expects numbers separated by commas, got {v}");
                    std::process::exit(2)
                })
            })
            .collect()
    });
    Opts {
        rates,
        secs: num("--secs", 5.0),
        buyers: num("--buyers", 16.0) as usize,
        assets: num("--assets", 16.0) as usize,
        senders: num("--senders", 8.0) as usize,
        drain: num("--drain", 20.0),
        spread_rate: get("--spread-rate").map(|v| v.parse().expect("--spread-rate: a number")),
        profile: args.iter().any(|a| a == "--profile"),
    }
}

/// The validator process: its pid (found by its `--rpc-port` in /proc) and what it used.
struct Proc {
    pid: u32,
    clk_tck: f64,
}

#[derive(Default, Clone)]
struct Usage {
    ticks: u64,
    threads: HashMap<String, u64>,
}

impl Proc {
    fn find(rpc_port: u16) -> Option<Self> {
        let want = format!("--rpc-port\0{rpc_port}\0");
        for e in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            if cmd.contains("tessera-localnet") && cmd.contains(&want) {
                let clk_tck = std::process::Command::new("getconf")
                    .arg("CLK_TCK")
                    .output()
                    .ok()
                    .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
                    .unwrap_or(100.0);
                return Some(Proc { pid, clk_tck });
            }
        }
        None
    }

    /// utime + stime of a /proc stat line (fields 14 and 15; the name in parentheses may hold spaces).
    fn stat_ticks(stat: &str) -> Option<(String, u64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat[open + 1..close].to_string();
        let rest: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let utime: u64 = rest.get(11)?.parse().ok()?;
        let stime: u64 = rest.get(12)?.parse().ok()?;
        Some((name, utime + stime))
    }

    fn usage(&self) -> Usage {
        let mut u = Usage::default();
        if let Some((_, t)) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|s| Self::stat_ticks(&s))
        {
            u.ticks = t;
        }
        if let Ok(dir) = std::fs::read_dir(format!("/proc/{}/task", self.pid)) {
            for e in dir.flatten() {
                if let Some((name, t)) = std::fs::read_to_string(e.path().join("stat"))
                    .ok()
                    .and_then(|s| Self::stat_ticks(&s))
                {
                    // Group numbered threads (solBanknStgTx00, solRpcEl3, ...).
                    let group = name.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
                    *u.threads.entry(group).or_default() += t;
                }
            }
        }
        u
    }

    fn rss_mb(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
            })
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// One step of the run: what was offered and what came back.
struct Step {
    flow: String,
    offered: u64,
    sent: usize,
    send_secs: f64,
    confirmed: usize,
    confirmed_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: BTreeMap<String, usize>,
    unconfirmed: usize,
    cpu_pct: f64,
    /// This benchmark's own CPU (signing is done before the step; sending and polling are not).
    own_cpu_pct: f64,
    rss_mb: f64,
    top_threads: Vec<(String, f64)>,
}

/// utime + stime of this process, in clock ticks.
fn own_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| Proc::stat_ticks(&s))
        .map_or(0, |(_, t)| t)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Sends `txs` open loop at `rate`/s from `senders` threads, polls their statuses, measures the
/// validator meanwhile.
fn run_step(url: &str, proc_: Option<&Proc>, flow: &str, rate: u64, txs: Vec<Transaction>, o: &Opts) -> Step {
    let n = txs.len();
    let sigs: Vec<Signature> = txs.iter().map(|t| t.signatures[0]).collect();
    let sent_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let send_errors: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let txs = Arc::new(txs);
    let before = proc_.map(Proc::usage);
    let own_before = own_ticks();
    let start = Instant::now();
    let mut last_send = start;
    let mut landed: Vec<Option<(Instant, Option<String>)>> = vec![None; n];
    let mut peak_rss: f64 = 0.0;
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for k in 0..o.senders {
            let (txs, sent_at, send_errors) = (txs.clone(), sent_at.clone(), send_errors.clone());
            let url = url.to_string();
            handles.push(s.spawn(move || {
                let rpc = RpcClient::new_with_timeout(url, Duration::from_secs(30));
                let cfg = RpcSendTransactionConfig {
                    skip_preflight: true,
                    max_retries: Some(0),
                    ..RpcSendTransactionConfig::default()
                };
                let mut i = k;
                while i < txs.len() {
                    let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    let t0 = Instant::now();
                    match rpc.send_transaction_with_config(&txs[i], cfg) {
                        Ok(_) => sent_at.lock().unwrap()[i] = Some(t0),
                        Err(e) => {
                            let msg = format!("send: {}", e.to_string().chars().take(60).collect::<String>());
                            *send_errors.lock().unwrap().entry(msg).or_default() += 1;
                        }
                    }
                    i += o.senders;
                }
                Instant::now()
            }));
        }
        // Poll statuses while sending and afterwards.
        let rpc = RpcClient::new_with_timeout(url.to_string(), Duration::from_secs(30));
        let mut drain_from: Option<Instant> = None;
        loop {
            if drain_from.is_none() && handles.iter().all(|h| h.is_finished()) {
                drain_from = Some(Instant::now());
            }
            let sent = sent_at.lock().unwrap().clone();
            let pending: Vec<usize> = (0..n).filter(|&i| sent[i].is_some() && landed[i].is_none()).collect();
            for chunk in pending.chunks(256) {
                let batch: Vec<Signature> = chunk.iter().map(|&i| sigs[i]).collect();
                if let Ok(resp) = rpc.get_signature_statuses(&batch) {
                    let now = Instant::now();
                    for (&i, st) in chunk.iter().zip(resp.value) {
                        if let Some(st) = st {
                            if st.satisfies_commitment(CommitmentConfig::confirmed()) {
                                landed[i] = Some((now, st.err.map(|e| e.to_string())));
                            }
                        }
                    }
                }
            }
            if let Some(p) = proc_ {
                peak_rss = peak_rss.max(p.rss_mb());
            }
            let all_sent = (0..n).filter(|&i| sent[i].is_some()).count();
            let resolved = landed.iter().filter(|l| l.is_some()).count();
            if let Some(d) = drain_from {
                if resolved >= all_sent || d.elapsed().as_secs_f64() > o.drain {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for h in handles {
            last_send = last_send.max(h.join().unwrap());
        }
    });
    let after = proc_.map(Proc::usage);
    let own_cpu =
        (own_ticks() - own_before) as f64 / proc_.map_or(100.0, |p| p.clk_tck) / start.elapsed().as_secs_f64() * 100.0;
    let elapsed = start.elapsed().as_secs_f64();
    let sent_at = sent_at.lock().unwrap().clone();
    let mut lat = Vec::new();
    let mut failures = send_errors.lock().unwrap().clone();
    let mut last_ok = start;
    let mut first_ok: Option<Instant> = None;
    for i in 0..n {
        if let (Some(t0), Some((t1, err))) = (sent_at[i], &landed[i]) {
            match err {
                None => {
                    lat.push(t1.duration_since(t0).as_secs_f64() * 1e3);
                    last_ok = last_ok.max(*t1);
                    first_ok = Some(first_ok.map_or(*t1, |f| f.min(*t1)));
                }
                Some(e) => *failures.entry(e.clone()).or_default() += 1,
            }
        }
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let sent = sent_at.iter().filter(|s| s.is_some()).count();
    let unconfirmed = (0..n).filter(|&i| sent_at[i].is_some() && landed[i].is_none()).count();
    // The rate at which confirmations came: between the first and the last one seen.
    let confirmed_per_s = match first_ok {
        Some(f) if lat.len() > 1 && last_ok > f => (lat.len() - 1) as f64 / last_ok.duration_since(f).as_secs_f64(),
        _ => lat.len() as f64 / elapsed,
    };
    let (cpu_pct, top_threads) = match (proc_, before, after) {
        (Some(p), Some(b), Some(a)) => {
            let cpu = (a.ticks - b.ticks) as f64 / p.clk_tck / elapsed * 100.0;
            let mut t: Vec<(String, f64)> = a
                .threads
                .iter()
                .map(|(k, v)| {
                    let d = v.saturating_sub(b.threads.get(k).copied().unwrap_or(0));
                    (k.clone(), d as f64 / p.clk_tck / elapsed * 100.0)
                })
                .filter(|(_, v)| *v > 0.0)
                .collect();
            t.sort_by(|x, y| y.1.partial_cmp(&x.1).unwrap());
            t.truncate(5);
            (cpu, t)
        }
        _ => (0.0, vec![]),
    };
    Step {
        flow: flow.to_string(),
        offered: rate,
        sent,
        send_secs: last_send.duration_since(start).as_secs_f64(),
        confirmed: lat.len(),
        confirmed_per_s,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
        failures,
        unconfirmed,
        cpu_pct,
        own_cpu_pct: own_cpu,
        rss_mb: peak_rss,
        top_threads,
    }
}

fn print_header() {
    println!(
        "| flow | offered/s | sent | sent/s | confirmed | confirmed/s | p50 ms | p99 ms | failed (by error) | unconfirmed | validator CPU % | RSS MB | busiest threads (CPU %) | bench CPU % |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
}

fn print_step(s: &Step) {
    let failures = if s.failures.is_empty() {
        "0".to_string()
    } else {
        s.failures
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let threads = s
        .top_threads
        .iter()
        .map(|(k, v)| format!("{k} {v:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "| {} | {} | {} | {:.0} | {} | {:.1} | {:.0} | {:.0} | {} | {} | {:.0} | {:.0} | {} | {:.0} |",
        s.flow,
        s.offered,
        s.sent,
        s.sent as f64 / s.send_secs.max(1e-9),
        s.confirmed,
        s.confirmed_per_s,
        s.p50_ms,
        s.p99_ms,
        failures,
        s.unconfirmed,
        s.cpu_pct,
        s.rss_mb,
        threads,
        s.own_cpu_pct
    );
}

/// Waits until every signature is confirmed (set-up batches); panics on a failure.
fn confirm_all(rpc: &RpcClient, sigs: &[Signature], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut pending: Vec<Signature> = sigs.to_vec();
    while !pending.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{what}: {} not confirmed after 180 s",
            pending.len()
        );
        let mut still = Vec::new();
        for chunk in pending.chunks(256) {
            let resp = rpc.get_signature_statuses(chunk).expect("getSignatureStatuses").value;
            for (sig, st) in chunk.iter().zip(resp) {
                match st {
                    Some(st) if st.satisfies_commitment(CommitmentConfig::confirmed()) => {
                        if let Some(e) = st.err {
                            panic!("{what}: {sig} failed: {e}");
                        }
                    }
                    _ => still.push(*sig),
                }
            }
        }
        pending = still;
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends set-up transactions without waiting for each, then confirms them all.
fn send_all(rpc: &RpcClient, txs: &[Transaction], what: &str) {
    let cfg = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    let sigs: Vec<Signature> = txs
        .iter()
        .map(|t| rpc.send_transaction_with_config(t, cfg).expect("send"))
        .collect();
    confirm_all(rpc, &sigs, what);
}

struct Market {
    usdc: Pubkey,
    assets: Vec<(Pubkey, Asset)>,
    buyers: Vec<Keypair>,
}

fn purchase(m: &Market, buyer: &Keypair, asset: usize, nonce: u64) -> Instruction {
    let (key, a) = &m.assets[asset];
    ix::registry::buy_access(
        &BuyAccounts {
            buyer: buyer.pubkey(),
            buyer_payment_account: pda::ata(&buyer.pubkey(), &m.usdc, &TOKEN_PROGRAM_ID),
            payment_token_program: TOKEN_PROGRAM_ID,
        },
        key,
        a,
        // A different price guard each time keeps every transaction unique.
        BuyAccessArgs {
            quantity: 1,
            max_unit_price: PRICE + nonce,
            min_access_duration: 0,
        },
    )
}

/// `n` purchases, buyer i % buyers, asset chosen by `asset_of(i)`, signed with one blockhash.
fn purchases(
    rpc: &RpcClient,
    m: &Market,
    n: usize,
    nonce0: u64,
    asset_of: impl Fn(usize) -> usize,
) -> Vec<Transaction> {
    let bh = rpc.get_latest_blockhash().expect("blockhash");
    (0..n)
        .map(|i| {
            let b = &m.buyers[i % m.buyers.len()];
            let ix = purchase(m, b, asset_of(i), nonce0 + i as u64);
            Transaction::new_signed_with_payer(&[ix], Some(&b.pubkey()), &[b], bh)
        })
        .collect()
}

/// `n` SOL transfers between the buyers (existing accounts), each of a distinct amount.
fn transfers(rpc: &RpcClient, m: &Market, n: usize, nonce0: u64) -> Vec<Transaction> {
    let bh = rpc.get_latest_blockhash().expect("blockhash");
    let k = m.buyers.len();
    (0..n)
        .map(|i| {
            let from = &m.buyers[i % k];
            let to = m.buyers[(i + 1) % k].pubkey();
            let ix = solana_system_interface::instruction::transfer(&from.pubkey(), &to, 1_000 + nonce0 + i as u64);
            Transaction::new_signed_with_payer(&[ix], Some(&from.pubkey()), &[from], bh)
        })
        .collect()
}

/// The write set of a purchase, labelled from the registry IDL, and how each account is
/// shared: compared between two buyers and two assets.
fn write_set(m: &Market) {
    let idl: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../idl/tessera_registry.json")).expect("IDL"),
    )
    .expect("IDL JSON");
    let names: Vec<String> = idl["instructions"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == "buy_access"))
        .and_then(|i| i["accounts"].as_array())
        .map(|a| {
            a.iter()
                .map(|x| x["name"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    let (b0, b1) = (&m.buyers[0], &m.buyers[1]);
    let ix00 = purchase(m, b0, 0, 0);
    let ix01 = purchase(m, b0, 1, 0);
    let ix10 = purchase(m, b1, 0, 0);
    let ix11 = purchase(m, b1, 1, 0);
    println!("| flow | writable account | one per | shared by purchases of different assets |");
    println!("|---|---|---|---|");
    for (i, meta) in ix00.accounts.iter().enumerate() {
        if !meta.is_writable {
            continue;
        }
        let label = names.get(i).cloned().unwrap_or_else(|| format!("remaining #{i}"));
        let same_asset_other_buyer = ix10.accounts[i].pubkey == meta.pubkey;
        let same_buyer_other_asset = ix01.accounts[i].pubkey == meta.pubkey;
        let global = ix11.accounts[i].pubkey == meta.pubkey;
        let scope = match (same_buyer_other_asset, same_asset_other_buyer) {
            (true, true) => "protocol (one account)",
            (true, false) => "buyer",
            (false, true) => "asset",
            (false, false) => "buyer and asset",
        };
        println!(
            "| buy_access | {label} | {scope} | {} |",
            if global {
                "**yes: every purchase writes it**"
            } else if same_buyer_other_asset {
                "only by the same buyer"
            } else {
                "no"
            }
        );
    }
    println!("| SOL transfer | sender, recipient | account | no |");
    println!();
    println!("The settlements' write sets, from the client's `confirm_job` and channel `settle` builders, each");
    println!("built for two unrelated jobs / channels:");
    println!();
    println!("| flow | writable account | one per | shared by flows of different assets / jobs / channels |");
    println!("|---|---|---|---|");
    settlement_write_sets();
}

/// Account names of `ix` in `idl/<program>.json`, nested account groups flattened (`settlement.job`).
fn idl_names(program: &str, ix: &str) -> Vec<String> {
    fn flat(a: &[serde_json::Value], prefix: &str, out: &mut Vec<String>) {
        for x in a {
            let name = format!("{prefix}{}", x["name"].as_str().unwrap_or("?"));
            match x["accounts"].as_array() {
                Some(inner) => flat(inner, &format!("{name}."), out),
                None => out.push(name),
            }
        }
    }
    let path = format!("{}/../idl/{program}.json", env!("CARGO_MANIFEST_DIR"));
    let idl: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("IDL")).expect("IDL JSON");
    let mut out = Vec::new();
    if let Some(accounts) = idl["instructions"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == ix))
        .and_then(|i| i["accounts"].as_array())
    {
        flat(accounts, "", &mut out);
    }
    out
}

/// An account decoded from zeroes (borsh: empty strings and vectors, `None`, first variants),
/// for building instructions without a chain.
fn zeroed<T: anchor_lang::AnchorDeserialize>() -> T {
    T::deserialize(&mut &[0u8; 8192][..]).expect("decodes from zeroes")
}

/// The writable accounts of a settlement flow built twice for two unrelated jobs / channels
/// (different consumers, providers, models, mints' holders) against one protocol treasury: an
/// account in both is one every such settlement writes.
fn settlement_write_sets() {
    use tessera_client::{channels::payout::SettleArgs, channels::state::Channel, escrow::state::Job};
    let usdc = Pubkey::new_unique();
    let treasury_ata = Pubkey::new_unique();
    let confirm = |_: u8| {
        let mut job: Job = zeroed();
        job.consumer = Pubkey::new_unique();
        job.provider = Pubkey::new_unique();
        job.model = Pubkey::new_unique();
        job.model_split = Pubkey::new_unique();
        job.vault = Pubkey::new_unique();
        job.mint = usdc;
        ix::escrow::confirm_job(
            &Pubkey::new_unique(),
            &job,
            &ix::escrow::SettleAccounts {
                provider_token_account: Pubkey::new_unique(),
                treasury_token_account: treasury_ata,
                token_program: TOKEN_PROGRAM_ID,
                parent_splits: vec![],
            },
        )
    };
    let settle = |_: u8| {
        let mut ch: Channel = zeroed();
        ch.payer = Pubkey::new_unique();
        ch.payee = Pubkey::new_unique();
        ch.provider = Pubkey::new_unique();
        ch.authorized_signer = Pubkey::new_unique();
        ch.model = Pubkey::new_unique();
        ch.model_split = Pubkey::new_unique();
        ch.vault = Pubkey::new_unique();
        ch.mint = usdc;
        let model: Asset = zeroed();
        ix::channels::settle_ix(
            &Pubkey::new_unique(),
            &ch,
            &model,
            &ix::channels::SettleAccounts {
                payee_token_account: Pubkey::new_unique(),
                treasury_token_account: treasury_ata,
                token_program: TOKEN_PROGRAM_ID,
            },
            SettleArgs {
                cumulative: 1,
                expiry: 0,
            },
        )
    };
    for (flow, program, name, a, b) in [
        ("confirm_job", "tessera_escrow", "confirm_job", confirm(0), confirm(1)),
        ("settle (channel)", "tessera_channels", "settle", settle(0), settle(1)),
    ] {
        let names = idl_names(program, name);
        for (i, meta) in a.accounts.iter().enumerate() {
            if !meta.is_writable {
                continue;
            }
            let label = names.get(i).cloned().unwrap_or_else(|| format!("remaining #{i}"));
            let shared = b.accounts[i].pubkey == meta.pubkey;
            println!(
                "| {flow} | {label} | {} | {} |",
                if shared {
                    "protocol (one account)"
                } else if label.contains("model_split") {
                    "model"
                } else {
                    "job / channel"
                },
                if shared {
                    "**yes: every settlement writes it**"
                } else {
                    "no"
                }
            );
        }
    }
}

/// `perf record` of process `pid` (software clock, 999 Hz, every thread) for `secs` seconds,
/// started now in the background; `None` when `perf` cannot run here.
fn perf_record(pid: u32, secs: f64, out: &std::path::Path) -> Option<std::process::Child> {
    std::process::Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-p"])
        .arg(pid.to_string())
        .arg("-o")
        .arg(out)
        .args(["--", "sleep"])
        .arg(format!("{secs:.1}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()
}

/// The crate a demangled Rust symbol belongs to: `solana_sbpf::vm::EbpfVm<C>::execute` →
/// `solana_sbpf`; `<solana_bpf_loader_program::X as Y>::f` → `solana_bpf_loader_program`;
/// anything else (libc, the kernel, unresolved addresses) by its first word.
fn crate_of(sym: &str) -> String {
    let s = sym
        .trim_start_matches('<')
        .trim_start_matches('&')
        .trim_start_matches("mut ");
    let s = s.trim_start_matches("dyn ");
    match s.find("::") {
        Some(i) if !s[..i].contains(' ') => s[..i].to_string(),
        _ => s.split_whitespace().next().unwrap_or("?").to_string(),
    }
}

/// Self time by crate and by function from a `perf record` file (`perf report --no-children`).
fn perf_summary(data: &std::path::Path, title: &str) {
    let Ok(out) = std::process::Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", "sym", "-i"])
        .arg(data)
        .output()
    else {
        println!("{title}: `perf report` did not run");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut by_crate: BTreeMap<String, f64> = BTreeMap::new();
    let mut by_fn: Vec<(f64, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some((pct, rest)) = line.split_once('%') else {
            continue;
        };
        let Ok(pct) = pct.trim().parse::<f64>() else { continue };
        let sym = rest.trim().trim_start_matches("[.]").trim_start_matches("[k]").trim();
        *by_crate.entry(crate_of(sym)).or_default() += pct;
        by_fn.push((pct, sym.to_string()));
    }
    if by_fn.is_empty() {
        println!("{title}: no samples (is perf allowed here? `perf record -e cpu-clock` as this user)");
        return;
    }
    let mut crates: Vec<(f64, String)> = by_crate.into_iter().map(|(k, v)| (v, k)).collect();
    crates.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{title}: the validator's CPU time by crate (self time, % of samples), then its top functions");
    println!();
    println!("| crate | % | | function | % |");
    println!("|---|---:|---|---|---:|");
    for i in 0..12 {
        let c = crates
            .get(i)
            .map_or((String::new(), String::new()), |(v, k)| (k.clone(), format!("{v:.1}")));
        let f = by_fn.get(i).map_or((String::new(), String::new()), |(v, k)| {
            let k: String = k.chars().take(90).collect();
            (k.replace('|', "\\|"), format!("{v:.1}"))
        });
        println!("| {} | {} | | {} | {} |", c.0, c.1, f.0, f.1);
    }
    println!();
}

/// One step of `flow` at `rate` with the validator sampled by `perf` throughout; prints the
/// step's row and the profile.
fn profiled_step(url: &str, proc_: &Proc, flow: &str, rate: u64, txs: Vec<Transaction>, o: &Opts) {
    let data = std::env::temp_dir().join(format!("tessera-open-loop-{}-{}.perf", std::process::id(), rate));
    let child = perf_record(proc_.pid, o.secs, &data);
    let s = run_step(url, Some(proc_), flow, rate, txs, o);
    print_header();
    print_step(&s);
    println!();
    match child {
        Some(mut c) => {
            let _ = c.wait();
            perf_summary(&data, flow);
        }
        None => println!("{flow}: `perf` is not installed (apt-get install linux-perf): no profile"),
    }
    let _ = std::fs::remove_file(&data);
}

fn main() {
    let o = opts();
    if std::env::args().any(|a| a == "--write-set") {
        // The write-set tables alone: built from the client's builders for two made-up assets
        // and buyers, no validator needed.
        let usdc = Pubkey::new_unique();
        let assets = (0..2)
            .map(|_| {
                let mut a: Asset = zeroed();
                (a.access_mint, a.payment_mint, a.split) = (Pubkey::new_unique(), usdc, Pubkey::new_unique());
                (Pubkey::new_unique(), a)
            })
            .collect();
        let buyers = vec![Keypair::new(), Keypair::new()];
        write_set(&Market { usdc, assets, buyers });
        return;
    }
    let dir = std::env::temp_dir().join(format!("tessera-open-loop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let admin = Keypair::new();
    let admin_path = dir.join("admin.json");
    write_keypair_file(&admin, &admin_path).expect("keypair");
    let t_setup = Instant::now();
    let net = Localnet::start(&admin_path, Duration::from_secs(180)).expect("start tessera-localnet");
    let url = net.url.clone();
    let port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    let proc_ = Proc::find(port);
    if proc_.is_none() {
        eprintln!("warning: the validator's process was not found in /proc; no CPU / RSS figures");
    }
    let boss = Tessera::new(&url, admin.insecure_clone(), CommitmentConfig::confirmed());
    let rpc =
        RpcClient::new_with_timeout_and_commitment(url.clone(), Duration::from_secs(60), CommitmentConfig::confirmed());
    let usdc = boss.create_mint(6).expect("mint");
    let treasury = Keypair::new().pubkey();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury,
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .expect("config");
    boss.mint_to(&usdc, &treasury, 0).expect("treasury account");
    let publisher = Keypair::new();
    boss.transfer_sol(&publisher.pubkey(), 10_000_000_000)
        .expect("fund publisher");
    let pubc = Tessera::new(&url, publisher.insecure_clone(), CommitmentConfig::confirmed());
    let mut assets = Vec::new();
    for k in 0..o.assets {
        let (key, _) = pubc
            .publish(
                &usdc,
                None,
                PublishAssetArgs {
                    kind: AssetKind::Dataset,
                    content_hash: [k as u8 + 1; 32],
                    uri: format!("ar://open-loop/{k}"),
                    license: License {
                        flags: 0,
                        terms_hash: [0; 32],
                    },
                    price: PRICE,
                    max_supply: 0,
                    access_duration: 0,
                    inference_royalty_bps: 0,
                    inference_gated: false,
                    parents: vec![],
                    recipients: vec![RecipientInput {
                        address: publisher.pubkey(),
                        bps: 10_000,
                    }],
                },
            )
            .expect("publish");
        assets.push((key, boss.asset(&key).expect("asset")));
    }
    // Buyers: SOL, a USDC account and USDC, four buyers per transaction.
    let buyers: Vec<Keypair> = (0..o.buyers.max(2)).map(|_| Keypair::new()).collect();
    let bh = rpc.get_latest_blockhash().expect("blockhash");
    let fund: Vec<Transaction> = buyers
        .chunks(4)
        .map(|chunk| {
            let mut ixs = Vec::new();
            for b in chunk {
                ixs.push(solana_system_interface::instruction::transfer(
                    &admin.pubkey(),
                    &b.pubkey(),
                    10_000_000_000,
                ));
                let (ata, create) = boss.ensure_ata(&b.pubkey(), &usdc, &TOKEN_PROGRAM_ID).expect("ata");
                ixs.extend(create);
                ixs.push(
                    anchor_spl::token_2022::spl_token_2022::instruction::mint_to(
                        &TOKEN_PROGRAM_ID,
                        &usdc,
                        &ata,
                        &admin.pubkey(),
                        &[],
                        1_000_000 * PRICE,
                    )
                    .expect("mint_to"),
                );
            }
            Transaction::new_signed_with_payer(&ixs, Some(&admin.pubkey()), &[&admin], bh)
        })
        .collect();
    send_all(&rpc, &fund, "funding the buyers");
    let m = Market { usdc, assets, buyers };
    // Every buyer buys every asset once: every measured purchase extends an existing pass.
    let nb = m.buyers.len();
    let warm = purchases(&rpc, &m, nb * o.assets, 1_000_000_000, |i| (i / nb) % o.assets);
    for chunk in warm.chunks(256) {
        send_all(&rpc, chunk, "first purchases");
    }
    println!(
        "set-up (not timed): validator, {} assets, {} buyers funded, {} first purchases in {:.0} s; validator pid {}",
        o.assets,
        nb,
        warm.len(),
        t_setup.elapsed().as_secs_f64(),
        proc_.as_ref().map_or("?".into(), |p| p.pid.to_string())
    );
    println!();
    println!(
        "Rising offered rates ({} s each; purchases spread over {} assets round-robin, {nb} buyers):",
        o.secs, o.assets
    );
    println!();
    print_header();
    let mut nonce = 0u64;
    let mut first_behind: Option<u64> = None;
    let mut purchases_saturated = false;
    for &rate in &o.rates {
        let n = (rate as f64 * o.secs).round() as usize;
        let t = transfers(&rpc, &m, n, nonce);
        nonce += n as u64;
        let s = run_step(&url, proc_.as_ref(), "SOL transfer", rate, t, &o);
        print_step(&s);
        if !purchases_saturated {
            let p = purchases(&rpc, &m, n, nonce, |i| i % o.assets);
            nonce += n as u64;
            let s = run_step(&url, proc_.as_ref(), "buy_access", rate, p, &o);
            print_step(&s);
            if s.confirmed_per_s < 0.9 * rate as f64 && first_behind.is_none() {
                first_behind = Some(rate);
            }
            if s.confirmed_per_s < 0.5 * rate as f64 {
                purchases_saturated = true;
            }
        }
    }
    // Where purchases stopped keeping up: there one asset's accounts would show, if anywhere.
    let spread_rate = o
        .spread_rate
        .unwrap_or_else(|| first_behind.unwrap_or(*o.rates.last().expect("a rate")));
    println!();
    println!(
        "One asset against {} assets, offered {spread_rate}/s, {} s each:",
        o.assets, o.secs
    );
    println!();
    print_header();
    let n = (spread_rate as f64 * o.secs).round() as usize;
    let p = purchases(&rpc, &m, n, nonce, |_| 0);
    nonce += n as u64;
    print_step(&run_step(
        &url,
        proc_.as_ref(),
        "buy_access, 1 asset",
        spread_rate,
        p,
        &o,
    ));
    let p = purchases(&rpc, &m, n, nonce, |i| i % o.assets);
    nonce += n as u64;
    print_step(&run_step(
        &url,
        proc_.as_ref(),
        &format!("buy_access, {} assets", o.assets),
        spread_rate,
        p,
        &o,
    ));
    if let (true, Some(p)) = (o.profile, proc_.as_ref()) {
        // Where the validator's time goes: the same offered rate, transfers then purchases.
        println!();
        println!("Profiles (`perf record -e cpu-clock -F 999` of the validator for the whole step), offered {spread_rate}/s:");
        println!();
        let t = transfers(&rpc, &m, n, nonce);
        nonce += n as u64;
        profiled_step(&url, p, "SOL transfer", spread_rate, t, &o);
        let pur = purchases(&rpc, &m, n, nonce, |i| i % o.assets);
        profiled_step(&url, p, "buy_access", spread_rate, pur, &o);
    }
    println!();
    println!("Write set of a purchase (from the client's buy_access builder, labelled by the registry IDL):");
    println!();
    write_set(&m);
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
