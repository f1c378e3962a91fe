//! buy_access throughput on the local validator (`tessera-localnet`), over JSON-RPC, with
//! concurrent senders each sending and confirming one purchase at a time.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde::Serialize;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    ix::{self, registry::BuyAccounts},
    pda,
    registry::instructions::{BuyAccessArgs, InitializeConfigArgs, PublishAssetArgs},
    registry::state::{AssetKind, License},
    royalties::state::RecipientInput,
    Tessera, TOKEN_PROGRAM_ID,
};
use tessera_dev::{DevFlows, TestChain};

#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub seconds: f64,
    pub senders: usize,
    pub confirmed: u64,
    pub failed: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Throughput {
    pub fn render(&self) -> String {
        format!(
            "buy_access on tessera-localnet (debug build, JSON-RPC, {} concurrent senders, send-and-confirm at 'confirmed'): {} purchases in {:.1} s = {:.1}/s; time to confirmation p50 {:.0} ms, p99 {:.0} ms; {} failed. \
Limit: each sender waits for its confirmation (a slot is ~400 ms), so throughput ≈ senders / latency; the validator itself was not saturated.",
            self.senders, self.confirmed, self.seconds, self.per_second, self.p50_ms, self.p99_ms, self.failed
        )
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(secs: u64, senders: usize) -> Throughput {
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("bench", Duration::from_secs(90));
    let url = net.url.clone();
    let client = |kp: &Keypair| Tessera::new(&url, kp.insecure_clone(), CommitmentConfig::confirmed());
    let boss = client(&admin);
    let usdc = boss.create_mint(6).expect("mint");
    let treasury = Keypair::new().pubkey();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury,
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .expect("config");
    let publisher = Keypair::new();
    boss.transfer_sol(&publisher.pubkey(), 1_000_000_000).expect("fund");
    let (asset, _) = client(&publisher)
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Dataset,
                content_hash: [0x5a; 32],
                uri: "ar://bench".into(),
                license: License {
                    flags: 0,
                    terms_hash: [0; 32],
                },
                price: 1_000_000,
                max_supply: 0,
                access_duration: 60,
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
    boss.mint_to(&usdc, &treasury, 0).expect("treasury account");
    let a = boss.asset(&asset).expect("asset");
    let wallets: Vec<Keypair> = (0..senders).map(|_| Keypair::new()).collect();
    for w in &wallets {
        boss.transfer_sol(&w.pubkey(), 1_000_000_000).expect("fund");
        boss.mint_to(&usdc, &w.pubkey(), 1_000_000 * 1_000_000).expect("usdc");
    }

    let latencies = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(Mutex::new(0u64));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    std::thread::scope(|s| {
        for w in &wallets {
            let (latencies, failed, a, url) = (latencies.clone(), failed.clone(), a.clone(), url.clone());
            s.spawn(move || {
                let t = Tessera::new(&url, w.insecure_clone(), CommitmentConfig::confirmed());
                let accounts = BuyAccounts {
                    buyer: w.pubkey(),
                    buyer_payment_account: pda::ata(&w.pubkey(), &usdc, &TOKEN_PROGRAM_ID),
                    payment_token_program: TOKEN_PROGRAM_ID,
                };
                let mut i = 0u64;
                while Instant::now() < deadline {
                    // A different price guard each time keeps every transaction unique.
                    let ix = ix::registry::buy_access(
                        &accounts,
                        &asset,
                        &a,
                        BuyAccessArgs {
                            quantity: 1,
                            max_unit_price: a.price + i,
                            min_access_duration: 0,
                        },
                    );
                    let t0 = Instant::now();
                    match t.send(&[ix], &[]) {
                        Ok(_) => latencies.lock().unwrap().push(t0.elapsed().as_secs_f64() * 1_000.0),
                        Err(_) => *failed.lock().unwrap() += 1,
                    }
                    i += 1;
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let confirmed = l.len() as u64;
    let failed = *failed.lock().unwrap();
    Throughput {
        seconds: elapsed,
        senders,
        confirmed,
        failed,
        per_second: confirmed as f64 / elapsed,
        p50_ms: percentile(&l, 0.5),
        p99_ms: percentile(&l, 0.99),
    }
}
