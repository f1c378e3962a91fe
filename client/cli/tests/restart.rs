//! The local validator keeps its state across a restart (issue 17): `tessera-localnet` is
//! started on a ledger of its own, a config, an asset, a pass and token balances are written by
//! the Tessera programs, the validator is stopped with SIGTERM (a clean exit writes its exit
//! snapshot), started again on the same ledger without `--reset`, and everything reads back the
//! same; then one more purchase goes through and moves the balances by one price.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    pda,
    registry::instructions::{InitializeConfigArgs, PublishAssetArgs},
    registry::state::{AccessPass, AssetKind, License},
    royalties::state::RecipientInput,
    Pubkey, Tessera, TOKEN_PROGRAM_ID,
};
use tessera_dev::DevFlows;

const PRICE: u64 = 2_500_000;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A free port `p` with `p + 1` free too (RPC and websocket).
fn free_port_pair() -> u16 {
    loop {
        let p = free_port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

/// One run of `tessera-localnet` on `ledger`.
struct Validator {
    child: Child,
    url: String,
    stderr_log: PathBuf,
}

impl Validator {
    fn start(ledger: &Path, authority: &Path, reset: bool, stderr_log: PathBuf) -> Self {
        let bin = tessera_dev::localnet::binary().expect("tessera-localnet (set TESSERA_LOCALNET)");
        let rpc_port = free_port_pair();
        let mut cmd = Command::new(&bin);
        cmd.arg("--ledger")
            .arg(ledger)
            .arg("--quiet")
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--faucet-port", &free_port().to_string()])
            .arg("--upgrade-authority")
            .arg(authority)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&stderr_log).unwrap()));
        if reset {
            cmd.arg("--reset");
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("tessera-localnet ready:") {
                    let _ = tx.send(());
                }
            }
        });
        let mut v = Validator {
            child,
            url: format!("http://127.0.0.1:{rpc_port}"),
            stderr_log,
        };
        let started = Instant::now();
        while rx.recv_timeout(Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = v.child.try_wait() {
                panic!("tessera-localnet exited during start-up ({status}): {}", v.stderr());
            }
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "tessera-localnet not ready after 180 s: {}",
                v.stderr()
            );
        }
        v
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// SIGTERM, then waits for a clean exit (status 0).
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}: {}", self.stderr());
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "tessera-localnet did not exit within 90 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stderr()
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What the test reads back after the restart.
#[derive(Debug, PartialEq)]
struct State {
    config_treasury: Pubkey,
    config_fee_bps: u16,
    asset_price: u64,
    asset_sold: u64,
    asset_sales: u64,
    pass_purchased: u64,
    pass_expires_at: i64,
    access_tokens: u64,
    buyer_usdc: u64,
    /// None while the treasury has no token account.
    treasury_usdc: Option<u64>,
    split_vault_usdc: u64,
    buyer_lamports: u64,
}

fn read_state(t: &Tessera, asset: &Pubkey, buyer: &Pubkey, usdc: &Pubkey, treasury: &Pubkey) -> State {
    let config = t.config().expect("config");
    let a = t.asset(asset).expect("asset");
    let pass: AccessPass = t.fetch("pass", &pda::pass(asset, buyer)).expect("pass");
    State {
        config_treasury: config.treasury,
        config_fee_bps: config.fee_bps,
        asset_price: a.price,
        asset_sold: a.sold,
        asset_sales: a.sales,
        pass_purchased: pass.purchased,
        pass_expires_at: pass.expires_at,
        access_tokens: t.access_token_balance(buyer, &a.access_mint).expect("access tokens"),
        buyer_usdc: t
            .token_balance(&pda::ata(buyer, usdc, &TOKEN_PROGRAM_ID))
            .expect("buyer usdc"),
        treasury_usdc: t.token_balance(&pda::ata(treasury, usdc, &TOKEN_PROGRAM_ID)).ok(),
        split_vault_usdc: t.token_balance(&pda::vault(&a.split)).expect("vault"),
        buyer_lamports: t.rpc.get_balance(buyer).expect("balance"),
    }
}

#[test]
fn local_validator_keeps_tessera_state_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("tessera-restart-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let admin = Keypair::new();
    let admin_path = dir.join("admin.json");
    write_keypair_file(&admin, &admin_path).unwrap();
    let ledger = dir.join("ledger");
    let client = |url: &str, kp: &Keypair| Tessera::new(url, kp.insecure_clone(), CommitmentConfig::confirmed());

    // 1. A fresh ledger: config, asset, one purchase.
    let first = Validator::start(&ledger, &admin_path, true, dir.join("first.log"));
    let boss = client(&first.url, &admin);
    let usdc = boss.create_mint(6).expect("mint");
    let treasury = Keypair::new().pubkey();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury,
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .expect("initialize_config");
    let publisher = Keypair::new();
    let buyer = Keypair::new();
    boss.transfer_sol(&publisher.pubkey(), 1_000_000_000)
        .expect("fund publisher");
    boss.transfer_sol(&buyer.pubkey(), 1_000_000_000).expect("fund buyer");
    boss.mint_to(&usdc, &buyer.pubkey(), 100 * PRICE).expect("buyer usdc");
    let (asset, _) = client(&first.url, &publisher)
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Dataset,
                content_hash: [0x17; 32],
                uri: "ar://restart".into(),
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
    client(&first.url, &buyer)
        .buy(&asset, 2, PRICE, 0)
        .expect("first purchase");
    let before = read_state(&boss, &asset, &buyer.pubkey(), &usdc, &treasury);
    assert_eq!(
        (before.asset_sold, before.pass_purchased, before.access_tokens),
        (2, 2, 2)
    );
    assert_eq!(before.buyer_usdc, 98 * PRICE);
    assert!(
        before.split_vault_usdc > 0,
        "the split's vault got the publisher's share"
    );
    let stderr = first.stop();
    assert!(!stderr.contains("error"), "first run: {stderr}");
    assert!(
        ledger.join("tessera-exit-snapshot").is_file(),
        "a clean exit records its snapshot"
    );

    // 2. The same ledger again: everything is there, and no warning about lost state.
    let second = Validator::start(&ledger, &admin_path, false, dir.join("second.log"));
    let boss = client(&second.url, &admin);
    let after = read_state(&boss, &asset, &buyer.pubkey(), &usdc, &treasury);
    assert_eq!(after, before, "state after the restart");
    assert!(!second.stderr().contains("warning"), "second run: {}", second.stderr());

    // 3. The programs still run: one more purchase moves everything by one price.
    client(&second.url, &buyer)
        .buy(&asset, 1, PRICE, 0)
        .expect("purchase after the restart");
    let last = read_state(&boss, &asset, &buyer.pubkey(), &usdc, &treasury);
    assert_eq!((last.asset_sold, last.asset_sales), (3, 2));
    assert_eq!((last.pass_purchased, last.access_tokens), (3, 3));
    assert_eq!(last.buyer_usdc, 97 * PRICE);
    assert!(last.split_vault_usdc > after.split_vault_usdc);
    // A second config cannot be created: the first one is really there, on chain.
    assert!(boss
        .initialize_config(InitializeConfigArgs {
            admin: admin.pubkey(),
            treasury,
            fee_bps: 250,
            payment_mints: vec![usdc],
        })
        .is_err());
    second.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
