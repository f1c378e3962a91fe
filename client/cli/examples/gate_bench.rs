//! Benchmark of the access gate (not a timed test): requests/s and p50/p99 latency of
//! challenge + verified delivery, with concurrent clients, against the local validator.
//!
//! `cargo run -p tessera-cli --example gate_bench -- [--secs 20] [--clients 8] [--size 65536]`
//! (needs tessera-localnet: `bash scripts/localnet.sh build`, or TESSERA_LOCALNET).
//! Per delivery the server verifies the ed25519 proof in memory and makes one RPC call
//! (`getMultipleAccounts`: the Clock sysvar, the pass, the holder's token account).

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    parse, proof,
    registry::{
        instructions::{InitializeConfigArgs, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::state::RecipientInput,
    Tessera,
};
use tessera_dev::{DevFlows, TestChain};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (secs, clients, size) = (
        arg("--secs", 20),
        arg("--clients", 8) as usize,
        arg("--size", 65_536) as usize,
    );
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("gate-bench", Duration::from_secs(90));
    let c = |k: &Keypair| Tessera::new(&net.url, k.insecure_clone(), CommitmentConfig::confirmed());
    let boss = c(&admin);
    let usdc = boss.create_mint(6).unwrap();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: admin.pubkey(),
        fee_bps: 0,
        payment_mints: vec![usdc],
    })
    .unwrap();
    let file = dir.join("data.bin");
    std::fs::write(&file, (0..size).map(|i| (i % 251) as u8).collect::<Vec<_>>()).unwrap();
    let publisher = Keypair::new();
    boss.transfer_sol(&publisher.pubkey(), 1_000_000_000).unwrap();
    let (asset, _) = c(&publisher)
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Dataset,
                content_hash: parse::hash_file(&file).unwrap(),
                uri: "ar://bench".into(),
                license: License {
                    flags: 0,
                    terms_hash: [0; 32],
                },
                price: 1_000_000,
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
        .unwrap();
    let holders: Vec<Keypair> = (0..clients).map(|_| Keypair::new()).collect();
    for h in &holders {
        boss.transfer_sol(&h.pubkey(), 1_000_000_000).unwrap();
        boss.mint_to(&usdc, &h.pubkey(), 10_000_000).unwrap();
        c(h).buy(&asset, 1, 1_000_000, 0).unwrap();
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    // The `tessera` binary built next to this example (target/debug/tessera).
    let exe = std::env::current_exe().unwrap();
    let tessera = exe.parent().and_then(|d| d.parent()).unwrap().join("tessera");
    assert!(tessera.is_file(), "build the CLI first: cargo build -p tessera-cli");
    let mut server = Command::new(tessera)
        .args([
            "--url",
            &net.url,
            "serve",
            "--asset",
            &asset.to_string(),
            "--file",
            file.to_str().unwrap(),
            "--bind",
            &bind,
            "--domain",
            "bench",
            "--data-dir",
            dir.join("d").to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = format!("http://{bind}");

    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(0u64));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    std::thread::scope(|s| {
        for h in &holders {
            let (latencies, errors, base) = (latencies.clone(), errors.clone(), base.clone());
            s.spawn(move || {
                let http = reqwest::blocking::Client::new();
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    let ch: Value = match http
                        .get(format!("{base}/v1/assets/{asset}/challenge"))
                        .send()
                        .and_then(|r| r.json())
                    {
                        Ok(v) => v,
                        Err(_) => {
                            *errors.lock().unwrap() += 1;
                            continue;
                        }
                    };
                    let (nonce, expires) = (
                        ch["nonce"].as_str().unwrap_or_default().to_string(),
                        ch["expiresAt"].as_i64().unwrap_or_default(),
                    );
                    let sig = proof::sign(h, "bench", &asset, &nonce, expires).to_string();
                    let ok = http
                        .get(format!("{base}/v1/assets/{asset}/data"))
                        .header(proof::HOLDER_HEADER, h.pubkey().to_string())
                        .header(proof::NONCE_HEADER, nonce)
                        .header(proof::SIGNATURE_HEADER, sig)
                        .send()
                        .ok()
                        .filter(|r| r.status().is_success())
                        .and_then(|r| r.bytes().ok())
                        .is_some_and(|b| b.len() == size);
                    if ok {
                        latencies.lock().unwrap().push(t0.elapsed().as_secs_f64() * 1_000.0);
                    } else {
                        *errors.lock().unwrap() += 1;
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        if l.is_empty() {
            0.0
        } else {
            l[((l.len() - 1) as f64 * p).round() as usize]
        }
    };
    println!(
        "access gate: {} verified deliveries of {} bytes in {:.1} s with {} concurrent clients = {:.1} req/s; challenge + delivery p50 {:.1} ms, p99 {:.1} ms; {} errors; per delivery: 1 RPC call (getMultipleAccounts), 1 ed25519 verification",
        l.len(), size, elapsed, clients, l.len() as f64 / elapsed, pct(0.5), pct(0.99), errors.lock().unwrap()
    );
}
