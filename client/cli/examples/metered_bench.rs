//! Benchmark of paid calls through the metered gate against unpaid calls to the same upstream,
//! in one run (not a timed test): calls/s and p50/p99 latency of each, same concurrency.
//!
//! `cargo build -p tessera-cli --bin tessera --example metered_bench && \
//!  target/debug/examples/metered_bench [--secs 10] [--clients 8]`
//! (needs tessera-localnet: `bash scripts/localnet.sh build`, or TESSERA_LOCALNET).
//!
//! Each client is its own payer with its own channel (vouchers of one channel are sequential:
//! each carries the cumulative amount). Phase 1 posts straight to the upstream; phase 2 posts
//! the same body through `tessera serve --upstream … --price-per-call 0.001`, each call with a
//! new voucher (one more call's worth). The gate verifies the voucher's ed25519 signature,
//! checks it against the channel it caches (`--channel-refresh`), stores it in SQLite (synced)
//! before it answers, forwards the call, and settles on chain every 1,000 calls' worth
//! (`--settle-threshold 1`) in the background.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    channel::{OpenChannelRequest, Voucher, VOUCHER_HEADER},
    channels::instructions::InitializeConfigArgs as InitializeChannelsArgs,
    escrow::{
        instructions::{InitializeConfigArgs as InitializeEscrowArgs, RegisterProviderArgs},
        state::{EscrowSettings, MintBond},
    },
    parse,
    registry::{
        instructions::{InitializeConfigArgs, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::state::RecipientInput,
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, TestChain};

/// Base units per call (0.001 USDC).
const PRICE: u64 = 1_000;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An HTTP upstream answering the request body upper-cased (one thread per connection).
fn upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = stream;
                let _ = s.set_nodelay(true);
                let mut buf = vec![0u8; 65_536];
                let mut got = Vec::new();
                loop {
                    let n = s.read(&mut buf).unwrap_or(0);
                    got.extend_from_slice(&buf[..n]);
                    if n == 0 || body_complete(&got) {
                        break;
                    }
                }
                let text = String::from_utf8_lossy(&got);
                let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_uppercase();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len(),
                );
                let _ = s.write_all(response.as_bytes());
            });
        }
    });
    format!("http://{addr}/v1/generate")
}

fn body_complete(req: &[u8]) -> bool {
    let text = String::from_utf8_lossy(req);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    body.len() >= len
}

struct Phase {
    calls: usize,
    errors: u64,
    secs: f64,
    p50: f64,
    p99: f64,
}

/// `clients` threads call `call(client, n)` (n = 1, 2, …) for `secs` seconds.
fn phase(clients: usize, secs: u64, call: &(dyn Fn(usize, u64) -> bool + Sync)) -> Phase {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(0u64));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    std::thread::scope(|s| {
        for client in 0..clients {
            let (latencies, errors) = (latencies.clone(), errors.clone());
            s.spawn(move || {
                let mut n = 0;
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    n += 1;
                    let t0 = Instant::now();
                    if call(client, n) {
                        mine.push(t0.elapsed().as_secs_f64() * 1_000.0);
                    } else {
                        *errors.lock().unwrap() += 1;
                        n -= 1; // a refused call is not charged: the next voucher is the same amount
                    }
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        if l.is_empty() {
            0.0
        } else {
            l[((l.len() - 1) as f64 * p).round() as usize]
        }
    };
    let errors = *errors.lock().unwrap();
    Phase {
        calls: l.len(),
        errors,
        secs: elapsed,
        p50: pct(0.5),
        p99: pct(0.99),
    }
}

fn main() {
    let (secs, clients) = (arg("--secs", 10), arg("--clients", 8) as usize);
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("metered-bench", Duration::from_secs(180));
    let c = |k: &Keypair| Tessera::new(&net.url, k.insecure_clone(), CommitmentConfig::confirmed());
    let boss = c(&admin);
    let usdc = boss.create_mint(6).unwrap();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: admin.pubkey(),
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .unwrap();
    boss.initialize_escrow(InitializeEscrowArgs {
        admin: admin.pubkey(),
        settings: EscrowSettings {
            treasury: admin.pubkey(),
            arbiter: admin.pubkey(),
            fee_bps: 100,
            slash_bps: 2_000,
            max_slash_fee_multiple: 10,
            min_accept_window: 0,
            min_delivery_window: 0,
            min_challenge_window: 0,
            dispute_window: 86_400,
            unbonding_delay: 86_400,
            min_bonds: vec![MintBond {
                mint: usdc,
                min_bond: 0,
            }],
        },
    })
    .unwrap();
    boss.initialize_channels(InitializeChannelsArgs {
        admin: admin.pubkey(),
        treasury: admin.pubkey(),
        fee_bps: 100,
        min_close_grace: 1,
        max_close_grace: 86_400,
    })
    .unwrap();
    let (publisher, provider) = (Keypair::new(), Keypair::new());
    for k in [&publisher, &provider] {
        boss.transfer_sol(&k.pubkey(), 2_000_000_000).unwrap();
    }
    let (model, _) = c(&publisher)
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Model,
                content_hash: parse::hash_str("metered-bench-model"),
                uri: "ar://metered-bench-model".into(),
                license: License {
                    flags: 0,
                    terms_hash: [0; 32],
                },
                price: 1_000_000,
                max_supply: 0,
                access_duration: 0,
                inference_royalty_bps: 2_000,
                inference_gated: false,
                parents: vec![],
                recipients: vec![RecipientInput {
                    address: publisher.pubkey(),
                    bps: 10_000,
                }],
            },
        )
        .unwrap();
    c(&provider)
        .register_provider(
            &usdc,
            RegisterProviderArgs {
                endpoint: "http://bench".into(),
                models: vec![model],
            },
        )
        .unwrap();
    let provider_path = dir.join("provider.json");
    write_keypair_file(&provider, &provider_path).unwrap();

    // One payer and one channel per client, 100 USDC each (100,000 calls).
    let deposit = 100_000_000;
    let payers: Vec<(Keypair, Pubkey)> = (0..clients)
        .map(|_| {
            let p = Keypair::new();
            boss.transfer_sol(&p.pubkey(), 1_000_000_000).unwrap();
            boss.mint_to(&usdc, &p.pubkey(), deposit).unwrap();
            let (channel, _) = c(&p)
                .open_channel(&OpenChannelRequest {
                    model,
                    payee: None,
                    deposit,
                    authorized_signer: None,
                    close_grace: Some(3_600),
                    channel_id: None,
                })
                .unwrap();
            (p, channel)
        })
        .collect();

    let up = upstream();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    // The `tessera` binary built next to this example (target/debug/tessera).
    let exe = std::env::current_exe().unwrap();
    let tessera = exe.parent().and_then(|d| d.parent()).unwrap().join("tessera");
    assert!(
        tessera.is_file(),
        "build the CLI first: cargo build -p tessera-cli --bin tessera"
    );
    let mut gate = Command::new(tessera)
        .args(["--url", &net.url, "--keypair", provider_path.to_str().unwrap()])
        .args(["serve", "--bind", &bind, "--domain", "bench"])
        .args(["--asset", &model.to_string(), "--upstream", &up])
        .args(["--data-dir", dir.join("gate").to_str().unwrap()])
        .args([
            "--price-per-call",
            "0.001",
            "--min-deposit",
            "0.1",
            "--settle-threshold",
            "1",
        ])
        .args(["--channel-refresh", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(gate.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("metered"), "the gate did not start: {line}");
    let infer = format!("http://{bind}/v1/assets/{model}/infer");

    let https: Vec<reqwest::blocking::Client> = (0..clients)
        .map(|_| {
            reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap()
        })
        .collect();
    let ok = |r: reqwest::Result<reqwest::blocking::Response>| {
        r.ok()
            .filter(|r| r.status().is_success())
            .and_then(|r| r.text().ok())
            .is_some_and(|t| t == "HELLO")
    };
    let unpaid = phase(clients, secs, &|i, _| ok(https[i].post(&up).body("hello").send()));
    let paid = phase(clients, secs, &|i, n| {
        let (p, channel) = &payers[i];
        let v = Voucher::sign(p, channel, n * PRICE, 0);
        ok(https[i]
            .post(&infer)
            .header(VOUCHER_HEADER, v.encode())
            .body("hello")
            .send())
    });
    let _ = gate.kill();
    let _ = gate.wait();
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
    for (name, p) in [
        ("unpaid, straight to the upstream", &unpaid),
        ("paid, through the gate", &paid),
    ] {
        println!(
            "{name}: {} calls in {:.1} s with {clients} concurrent clients = {:.1} calls/s; p50 {:.2} ms, p99 {:.2} ms; {} errors",
            p.calls,
            p.secs,
            p.calls as f64 / p.secs,
            p.p50,
            p.p99,
            p.errors
        );
    }
    println!(
        "paid / unpaid throughput: {:.2}; each paid call: 1 voucher (ed25519 verify, SQLite write synced), no transaction; settlements every 1,000 calls' worth",
        (paid.calls as f64 / paid.secs) / (unpaid.calls as f64 / unpaid.secs).max(f64::MIN_POSITIVE)
    );
}
