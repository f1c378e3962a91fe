//! The gate's live view (`tessera serve`, serve/live.rs) against the real local validator:
//!
//! 1. after warm-up, deliveries make no RPC call (a counting proxy between the gate and the
//!    validator's JSON-RPC sees none), at plain and consumable gates;
//! 2. a revoked holder, an expired pass and a holder who transferred its last token are refused
//!    within 1 s of the change being visible over RPC at `confirmed` (polling the gate with a
//!    session token and with fresh challenges; the delays are printed), and a session ends;
//! 3. the websocket drops (a TCP proxy in front of it severs every connection and refuses new
//!    ones): the gate falls back to RPC (it refuses a holder revoked meanwhile), then recovers
//!    (no RPC call again; a later revocation is honoured within the bound).
//!
//! Against a gate without the live view, test 1 fails (every delivery reads the pass and the
//! balance over RPC).

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::blocking::{Client, Response};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    parse, pda, proof,
    registry::{
        instructions::{InitializeConfigArgs, PublishAssetArgs},
        state::{AccessDenied, AssetKind, License},
    },
    royalties::state::RecipientInput,
    AccountMeta, Instruction, Pubkey, Tessera, TOKEN_PROGRAM_ID,
};
use tessera_dev::{DevFlows, TestChain};

#[path = "support/proxy.rs"]
mod proxy;
use proxy::Proxy;

/// A revocation, an expiry or an emptied balance must be honoured within this.
const BOUND: Duration = Duration::from_secs(1);

/// A running `tessera serve`, its stderr (the log) collected.
struct Gate {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gate {
    fn start(url: &str, ws_url: &str, args: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bind = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["--url", url, "serve", "--bind", &bind, "--domain", "data.test"])
            .args(["--ws-url", ws_url])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (l, stderr) = (log.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                l.lock().unwrap().push(line);
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("tessera serve:"),
            "the gate did not start: {line}\n{}",
            log.lock().unwrap().join("\n")
        );
        Gate {
            child,
            base: format!("http://{bind}"),
            log,
        }
    }

    /// How many log lines contain `text`.
    fn logged(&self, text: &str) -> usize {
        self.log.lock().unwrap().iter().filter(|l| l.contains(text)).count()
    }

    /// Waits until `text` has been logged `n` times.
    fn wait_logged(&self, text: &str, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.logged(text) < n {
            assert!(
                Instant::now() < deadline,
                "the gate did not log `{text}` ({n}×) within {timeout:?}:\n{}",
                self.log.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

struct Holder<'a> {
    http: &'a Client,
    gate: &'a Gate,
    asset: Pubkey,
}

impl Holder<'_> {
    /// A fresh signed challenge of `signer`.
    fn proof(&self, signer: &Keypair) -> Vec<(&'static str, String)> {
        let v: Value = self
            .http
            .get(format!("{}/v1/assets/{}/challenge", self.gate.base, self.asset))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let (nonce, expires) = (
            v["nonce"].as_str().unwrap().to_string(),
            v["expiresAt"].as_i64().unwrap(),
        );
        let sig = proof::sign(signer, "data.test", &self.asset, &nonce, expires);
        vec![
            (proof::HOLDER_HEADER, signer.pubkey().to_string()),
            (proof::NONCE_HEADER, nonce),
            (proof::SIGNATURE_HEADER, sig.to_string()),
        ]
    }

    fn session(token: &str) -> Vec<(&'static str, String)> {
        vec![("authorization", format!("Bearer {token}"))]
    }

    fn get(&self, headers: &[(&str, String)]) -> Response {
        let mut r = self
            .http
            .get(format!("{}/v1/assets/{}/data", self.gate.base, self.asset));
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        r.send().unwrap()
    }

    /// A delivery on a fresh challenge; returns the session token it granted.
    fn served(&self, signer: &Keypair, content: &[u8]) -> String {
        let resp = self.get(&self.proof(signer));
        assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text());
        let token = resp.headers()["x-tessera-session"].to_str().unwrap().to_string();
        assert_eq!(resp.bytes().unwrap().as_ref(), content);
        token
    }
}

/// The error code of a refusal (`None` if served).
fn code(resp: Response) -> Option<String> {
    if resp.status().is_success() {
        return None;
    }
    let v: Value = resp.json().unwrap();
    Some(v["error"].as_str().unwrap().to_string())
}

fn publish(t: &Tessera, mint: &Pubkey, hash: [u8; 32], duration: u64) -> Pubkey {
    t.publish(
        mint,
        None,
        PublishAssetArgs {
            kind: AssetKind::Dataset,
            content_hash: hash,
            uri: "ar://live-test".into(),
            license: License {
                flags: 0,
                terms_hash: [0; 32],
            },
            price: 1_000_000,
            max_supply: 0,
            access_duration: duration,
            inference_royalty_bps: 0,
            inference_gated: false,
            parents: vec![],
            recipients: vec![RecipientInput {
                address: t.wallet(),
                bps: 10_000,
            }],
        },
    )
    .unwrap()
    .0
}

/// One validator at a time in this binary.
static ONE_VALIDATOR_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A chain with the registry configured, a publisher, a 64 KiB dataset file and its asset
/// (perpetual), and funded holders.
struct Fixture {
    dir: PathBuf,
    net: tessera_dev::Localnet,
    publisher: Keypair,
    usdc: Pubkey,
    content: Vec<u8>,
    file: PathBuf,
    dataset: Pubkey,
    holders: Vec<Keypair>,
}

impl Fixture {
    fn start(name: &str, holders: usize) -> Self {
        let TestChain {
            dir,
            admin,
            admin_path: _,
            net,
        } = TestChain::start(name, Duration::from_secs(180));
        let boss = c(&net.url, &admin);
        let usdc = boss.create_mint(6).unwrap();
        boss.initialize_config(InitializeConfigArgs {
            admin: admin.pubkey(),
            treasury: admin.pubkey(),
            fee_bps: 0,
            payment_mints: vec![usdc],
        })
        .unwrap();
        let publisher = Keypair::new();
        let holders: Vec<Keypair> = (0..holders).map(|_| Keypair::new()).collect();
        for k in std::iter::once(&publisher).chain(&holders) {
            boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
            boss.mint_to(&usdc, &k.pubkey(), 100_000_000).unwrap();
        }
        let mut content = b"TESSERA-LIVE-DATA".to_vec();
        content.extend((0..65_536u32).map(|i| (i % 251) as u8));
        let file = dir.join("dataset.bin");
        std::fs::write(&file, &content).unwrap();
        let dataset = publish(&c(&net.url, &publisher), &usdc, parse::hash_file(&file).unwrap(), 0);
        Fixture {
            dir,
            net,
            publisher,
            usdc,
            content,
            file,
            dataset,
            holders,
        }
    }

    /// The validator's websocket: its RPC port + 1.
    fn ws_url(&self) -> String {
        let port: u16 = self.net.url.rsplit(':').next().unwrap().parse().unwrap();
        format!("ws://127.0.0.1:{}", port + 1)
    }

    fn client(&self, k: &Keypair) -> Tessera {
        c(&self.net.url, k)
    }

    fn gate(&self, url: &str, ws_url: &str, asset: &Pubkey, file: &Path, extra: &[&str]) -> Gate {
        let data_dir = self.dir.join(format!("data-{}", Pubkey::new_unique()));
        let mut args = vec![
            "--asset".to_string(),
            asset.to_string(),
            "--file".into(),
            file.to_str().unwrap().into(),
            "--data-dir".into(),
            data_dir.to_str().unwrap().into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let gate = Gate::start(url, ws_url, &args);
        gate.wait_logged("live view: fresh", 1, Duration::from_secs(60));
        gate
    }
}

fn c(url: &str, k: &Keypair) -> Tessera {
    Tessera::new(url, k.insecure_clone(), CommitmentConfig::confirmed())
}

/// Runs `change` (a transaction, sent and confirmed) on another thread while polling, every few
/// milliseconds: the chain over RPC at `confirmed` (`visible`: the change is visible), the gate
/// with `session` and with a fresh challenge of `signer`. Returns the delays from the change
/// being visible to the first refusal of each (zero if the gate refused first); both refusals
/// must carry `expected` (the session's may also be `session_expired`: a session ends at the
/// pass's expiry by the gate's own clock, which may run ahead of the chain's).
fn refusal_delay(
    h: &Holder<'_>,
    signer: &Keypair,
    session: &str,
    expected: &str,
    change: impl FnOnce() + Send,
    visible: impl Fn() -> bool,
) -> (Duration, Duration) {
    std::thread::scope(|s| {
        s.spawn(change);
        let deadline = Instant::now() + Duration::from_secs(90);
        let (mut seen, mut by_session, mut by_challenge) = (None, None, None);
        while seen.is_none() || by_session.is_none() || by_challenge.is_none() {
            assert!(
                Instant::now() < deadline,
                "no refusal: visible {seen:?}, session {by_session:?}, challenge {by_challenge:?}"
            );
            if seen.is_none() && visible() {
                seen = Some(Instant::now());
            }
            if by_session.is_none() {
                if let Some(code) = code(h.get(&Holder::session(session))) {
                    assert!(
                        code == expected || (expected == "pass_expired" && code == "session_expired"),
                        "session refused for another reason: {code}"
                    );
                    by_session = Some(Instant::now());
                }
            }
            if by_challenge.is_none() {
                if let Some(code) = code(h.get(&h.proof(signer))) {
                    assert_eq!(code, expected, "challenge refused for another reason");
                    by_challenge = Some(Instant::now());
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let seen = seen.unwrap();
        (
            by_session.unwrap().saturating_duration_since(seen),
            by_challenge.unwrap().saturating_duration_since(seen),
        )
    })
}

/// A classic SPL Token `Transfer` of `amount` from `owner`'s account `from` to `to`.
fn token_transfer(from: &Pubkey, to: &Pubkey, owner: &Pubkey, amount: u64) -> Instruction {
    let mut data = vec![3u8];
    data.extend_from_slice(&amount.to_le_bytes());
    Instruction {
        program_id: TOKEN_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*from, false),
            AccountMeta::new(*to, false),
            AccountMeta::new_readonly(*owner, true),
        ],
        data,
    }
}

fn report(what: &str, (session, challenge): (Duration, Duration)) {
    eprintln!(
        "revocation delay ({what}): session refused {} ms, fresh challenge refused {} ms after the change was visible over RPC at `confirmed`",
        session.as_millis(),
        challenge.as_millis()
    );
    assert!(
        session <= BOUND && challenge <= BOUND,
        "{what}: refused after {session:?} / {challenge:?}"
    );
}

#[test]
fn after_warm_up_deliveries_make_no_rpc_call() {
    let _one = ONE_VALIDATOR_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let f = Fixture::start("live-rpc", 3);
    let [alice, bob, dan] = [&f.holders[0], &f.holders[1], &f.holders[2]];
    f.client(alice).buy(&f.dataset, 2, 1_000_000, 0).unwrap();
    f.client(dan).buy(&f.dataset, 3, 1_000_000, 0).unwrap();
    let rpc = Proxy::start(f.net.url.trim_start_matches("http://").to_string());
    let gate = f.gate(&format!("http://{}", rpc.addr), &f.ws_url(), &f.dataset, &f.file, &[]);
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let h = Holder {
        http: &http,
        gate: &gate,
        asset: f.dataset,
    };
    let warm_up = rpc.take();
    assert!(
        warm_up.iter().any(|m| m == "getProgramAccounts"),
        "the snapshot goes over RPC: {warm_up:?}"
    );

    const N: usize = 40;
    let session = h.served(alice, &f.content);
    for i in 0..N {
        if i % 2 == 0 {
            h.served(alice, &f.content);
        } else {
            let resp = h.get(&Holder::session(&session));
            assert_eq!(resp.status().as_u16(), 200);
            assert_eq!(resp.bytes().unwrap().as_ref(), f.content.as_slice());
        }
    }
    // Refusals come from the view too.
    assert_eq!(code(h.get(&h.proof(bob))).as_deref(), Some("no_pass"));
    let calls = rpc.take();
    eprintln!(
        "{} deliveries and a refusal after warm-up: {} RPC call(s) {calls:?}",
        N + 1,
        calls.len()
    );
    assert!(calls.is_empty(), "deliveries made RPC calls: {calls:?}");

    // Consumable: the pass is read from the view; only a new redemption's transaction is read
    // over RPC, once.
    let consumable = f.gate(
        &format!("http://{}", rpc.addr),
        &f.ws_url(),
        &f.dataset,
        &f.file,
        &["--consumable"],
    );
    let ch = Holder {
        http: &http,
        gate: &consumable,
        asset: f.dataset,
    };
    let redeem = f.client(dan).redeem(&f.dataset, 3).unwrap().to_string();
    let with_redeem = |h: &Holder<'_>| {
        let mut headers = h.proof(dan);
        headers.push((proof::REDEEM_HEADER, redeem.clone()));
        headers
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resp = ch.get(&with_redeem(&ch));
        if resp.status().as_u16() == 503 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text());
        break;
    }
    let first = rpc.take();
    assert!(first.iter().any(|m| m == "getTransaction"), "{first:?}");
    for _ in 0..2 {
        assert_eq!(ch.get(&with_redeem(&ch)).status().as_u16(), 200);
    }
    assert_eq!(code(ch.get(&with_redeem(&ch))).as_deref(), Some("redeem_reused"));
    let calls = rpc.take();
    assert!(
        calls.is_empty(),
        "consumable deliveries of a known redemption made RPC calls: {calls:?}"
    );
    drop((gate, consumable));
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn revocation_expiry_and_an_emptied_balance_are_refused_within_the_bound() {
    let _one = ONE_VALIDATOR_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let f = Fixture::start("live-bound", 3);
    let [carol, erin, frank] = [&f.holders[0], &f.holders[1], &f.holders[2]];
    let p = f.client(&f.publisher);
    // A second file and an asset whose passes last 6 seconds of the chain's clock, plus its lag
    // behind the machine's (a debug validator's clock falls behind; the session granted with
    // the first delivery ends at the pass's expiry by the gate's clock, and must be granted).
    let mut short_content = f.content.clone();
    short_content.extend_from_slice(b"short");
    let short_file = f.dir.join("short.bin");
    std::fs::write(&short_file, &short_content).unwrap();
    let chain_now = p.access(&f.dataset, &p.wallet()).unwrap().now;
    let wall_now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let lag = u64::try_from(wall_now - chain_now).unwrap_or(0);
    eprintln!("the chain's clock lags the machine's by {lag} s");
    let short = publish(&p, &f.usdc, parse::hash_file(&short_file).unwrap(), 6 + lag);
    f.client(carol).buy(&f.dataset, 1, 1_000_000, 0).unwrap();
    f.client(frank).buy(&f.dataset, 1, 1_000_000, 0).unwrap();
    let gate = f.gate(&f.net.url, &f.ws_url(), &f.dataset, &f.file, &[]);
    let short_gate = f.gate(&f.net.url, &f.ws_url(), &short, &short_file, &[]);
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let h = Holder {
        http: &http,
        gate: &gate,
        asset: f.dataset,
    };
    let watcher = f.client(&Keypair::new());

    // A revocation.
    let session = h.served(carol, &f.content);
    let delay = refusal_delay(
        &h,
        carol,
        &session,
        "pass_revoked",
        || {
            p.revoke(&f.dataset, &carol.pubkey(), 7).unwrap();
        },
        || watcher.access(&f.dataset, &carol.pubkey()).unwrap().reason == Some(AccessDenied::PassRevoked),
    );
    report("revoke_pass", delay);

    // A transfer of the holder's last token (to carol's account).
    let session = h.served(frank, &f.content);
    let access_mint = pda::access_mint(&f.dataset);
    let (from, to) = (
        pda::ata(&frank.pubkey(), &access_mint, &TOKEN_PROGRAM_ID),
        pda::ata(&carol.pubkey(), &access_mint, &TOKEN_PROGRAM_ID),
    );
    let delay = refusal_delay(
        &h,
        frank,
        &session,
        "no_access_token",
        || {
            f.client(frank)
                .send(&[token_transfer(&from, &to, &frank.pubkey(), 1)], &[])
                .unwrap();
        },
        || watcher.access(&f.dataset, &frank.pubkey()).unwrap().reason == Some(AccessDenied::NoAccessToken),
    );
    report("last token transferred", delay);

    // An expiry (on the validator's clock).
    f.client(erin).buy(&short, 1, 1_000_000, 0).unwrap();
    let sh = Holder {
        http: &http,
        gate: &short_gate,
        asset: short,
    };
    let session = sh.served(erin, &short_content);
    let delay = refusal_delay(
        &sh,
        erin,
        &session,
        "pass_expired",
        || {},
        || watcher.access(&short, &erin.pubkey()).unwrap().reason == Some(AccessDenied::PassExpired),
    );
    report("pass expired", delay);
    drop((gate, short_gate));
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn the_gate_falls_back_to_rpc_while_the_websocket_is_down_and_recovers() {
    let _one = ONE_VALIDATOR_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let f = Fixture::start("live-drop", 3);
    let [alice, carol, dan] = [&f.holders[0], &f.holders[1], &f.holders[2]];
    for k in [alice, carol, dan] {
        f.client(k).buy(&f.dataset, 1, 1_000_000, 0).unwrap();
    }
    let p = f.client(&f.publisher);
    let rpc = Proxy::start(f.net.url.trim_start_matches("http://").to_string());
    let ws = Proxy::start(f.ws_url().trim_start_matches("ws://").to_string());
    let gate = f.gate(
        &format!("http://{}", rpc.addr),
        &format!("ws://{}", ws.addr),
        &f.dataset,
        &f.file,
        &[],
    );
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let h = Holder {
        http: &http,
        gate: &gate,
        asset: f.dataset,
    };
    let carols = h.served(carol, &f.content);
    rpc.take();
    h.served(alice, &f.content);
    assert_eq!(rpc.take(), Vec::<String>::new(), "served from the view");

    // The websocket drops and stays down; carol is revoked meanwhile.
    ws.sever(true);
    gate.wait_logged("live view: stale", 1, Duration::from_secs(10));
    p.revoke(&f.dataset, &carol.pubkey(), 3).unwrap();
    assert_eq!(code(h.get(&h.proof(carol))).as_deref(), Some("pass_revoked"));
    assert_eq!(code(h.get(&Holder::session(&carols))).as_deref(), Some("pass_revoked"));
    h.served(alice, &f.content);
    let fallback = rpc.take();
    assert!(
        fallback.iter().any(|m| m == "getMultipleAccounts"),
        "while stale, access is read over RPC: {fallback:?}"
    );

    // It comes back: the gate re-subscribes and re-snapshots.
    let fresh = gate.logged("live view: fresh");
    ws.allow();
    gate.wait_logged("live view: fresh", fresh + 1, Duration::from_secs(60));
    rpc.take();
    let alices = h.served(alice, &f.content);
    assert_eq!(code(h.get(&Holder::session(&alices))), None);
    assert_eq!(code(h.get(&h.proof(carol))).as_deref(), Some("pass_revoked"));
    let calls = rpc.take();
    assert!(calls.is_empty(), "after recovery, deliveries made RPC calls: {calls:?}");

    // And a later revocation is honoured within the bound.
    let session = h.served(dan, &f.content);
    let watcher = f.client(&Keypair::new());
    let delay = refusal_delay(
        &h,
        dan,
        &session,
        "pass_revoked",
        || {
            p.revoke(&f.dataset, &dan.pubkey(), 4).unwrap();
        },
        || watcher.access(&f.dataset, &dan.pubkey()).unwrap().reason == Some(AccessDenied::PassRevoked),
    );
    report("revoke_pass after a reconnection", delay);
    drop(gate);
    let _ = std::fs::remove_dir_all(&f.dir);
}
