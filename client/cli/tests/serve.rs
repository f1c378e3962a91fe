//! The access gate through HTTP: the real local validator, the real `tessera serve` binary, a
//! small test upstream. One test per refusal reason, each checking status, error code and that
//! no content was sent.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::blocking::Client;
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    parse, proof,
    registry::{
        instructions::{InitializeConfigArgs, PublishAssetArgs},
        state::{AccessDenied, AssetKind, License},
    },
    royalties::state::RecipientInput,
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, Localnet, TestChain};

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `tessera serve ARGS…`; waits for its start line (or returns its failure output).
fn serve(url: &str, args: &[&str]) -> Result<Server, String> {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--url", url, "serve", "--bind", &bind, "--domain", "data.test"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if !line.starts_with("tessera serve:") {
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let _ = child.wait();
        return Err(err);
    }
    Ok(Server(child, format!("http://{bind}")))
}

struct Holder<'a> {
    http: &'a Client,
    base: &'a str,
    asset: Pubkey,
}

impl Holder<'_> {
    fn challenge(&self) -> (String, i64) {
        let v: Value = self
            .http
            .get(format!("{}/v1/assets/{}/challenge", self.base, self.asset))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(v["domain"], "data.test");
        (
            v["nonce"].as_str().unwrap().to_string(),
            v["expiresAt"].as_i64().unwrap(),
        )
    }

    /// A proof signed by `signer` presented as `holder`.
    fn headers(&self, signer: &Keypair, holder: &Pubkey) -> Vec<(&'static str, String)> {
        let (nonce, expires) = self.challenge();
        let sig = proof::sign(signer, "data.test", &self.asset, &nonce, expires);
        vec![
            (proof::HOLDER_HEADER, holder.to_string()),
            (proof::NONCE_HEADER, nonce),
            (proof::SIGNATURE_HEADER, sig.to_string()),
        ]
    }

    fn get(&self, headers: &[(&str, String)], range: Option<&str>) -> reqwest::blocking::Response {
        let mut r = self.http.get(format!("{}/v1/assets/{}/data", self.base, self.asset));
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        if let Some(range) = range {
            r = r.header("range", range);
        }
        r.send().unwrap()
    }
}

/// Sends `request` (each call a fresh proof) again while the gate answers 503 with a
/// `Retry-After` (`redeem_pending`: its RPC node does not serve the redemption yet), for up to
/// 120 s; the first other answer is returned.
fn until_served(mut request: impl FnMut() -> reqwest::blocking::Response) -> reqwest::blocking::Response {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let resp = request();
        let retry = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        match retry {
            Some(secs) if resp.status().as_u16() == 503 && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_secs(secs))
            }
            _ => return resp,
        }
    }
}

#[track_caller]
fn refused(resp: reqwest::blocking::Response, status: u16, code: &str, secret: &[u8]) {
    assert_eq!(resp.status().as_u16(), status, "expected {code}");
    let body = resp.bytes().unwrap();
    assert!(
        !body.windows(secret.len()).any(|w| w == secret),
        "content leaked on a refusal"
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"], code);
}

/// A one-shot-per-connection HTTP upstream that echoes the request body, upper-cased.
fn upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let mut s = stream;
            let mut buf = vec![0u8; 65_536];
            let mut got = Vec::new();
            loop {
                let n = s.read(&mut buf).unwrap_or(0);
                got.extend_from_slice(&buf[..n]);
                if n == 0 || (got.windows(4).any(|w| w == b"\r\n\r\n") && body_complete(&got)) {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&got);
            let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_uppercase();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                body.len(),
                body
            );
        }
    });
    format!("http://{addr}/v1/generate")
}

/// An upstream that answers one request in two chunks (chunked encoding): `first\n` at once,
/// then `rest\n` only once `release` fires (or after 10 s); `done` is set once all is sent.
fn slow_upstream(
    release: std::sync::mpsc::Receiver<()>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let Some(Ok(mut s)) = l.incoming().next() else { return };
        let mut buf = vec![0u8; 65_536];
        let mut got = Vec::new();
        loop {
            let n = s.read(&mut buf).unwrap_or(0);
            got.extend_from_slice(&buf[..n]);
            if n == 0 || (got.windows(4).any(|w| w == b"\r\n\r\n") && body_complete(&got)) {
                break;
            }
        }
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n6\r\nfirst\n\r\n"
        );
        let _ = s.flush();
        let _ = release.recv_timeout(Duration::from_secs(10));
        let _ = write!(s, "5\r\nrest\n\r\n0\r\n\r\n");
        let _ = s.flush();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
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

fn publish(t: &Tessera, mint: &Pubkey, hash: [u8; 32], kind: AssetKind, duration: u64) -> Pubkey {
    t.publish(
        mint,
        None,
        PublishAssetArgs {
            kind,
            content_hash: hash,
            uri: "ar://gate-test".into(),
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

/// The tests of this binary each start a local validator (≈ 1.8 GB, several cores at start-up):
/// one at a time.
static ONE_VALIDATOR_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_VALIDATOR_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn the_gate_delivers_only_to_valid_holders() {
    let _one = one_at_a_time();
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("gate-test", Duration::from_secs(180));
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
    let [publisher, alice, bob, carol, dan] = std::array::from_fn(|_| Keypair::new());
    for k in [&publisher, &alice, &bob, &carol, &dan] {
        boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
        boss.mint_to(&usdc, &k.pubkey(), 100_000_000).unwrap();
    }
    // A 1 MiB dataset file with a marker we can look for in refusals.
    let secret: Vec<u8> = b"TESSERA-SECRET-DATA".to_vec();
    let mut content = secret.clone();
    content.extend((0..1_048_576u32).map(|i| (i % 251) as u8));
    let file = dir.join("dataset.bin");
    std::fs::write(&file, &content).unwrap();
    let p = c(&publisher);
    let dataset = publish(&p, &usdc, parse::hash_file(&file).unwrap(), AssetKind::Dataset, 0);
    let short = publish(&p, &usdc, [0x51; 32], AssetKind::Dataset, 2);
    let model = publish(&p, &usdc, [0x52; 32], AssetKind::Model, 0);
    for asset in [dataset, model] {
        c(&alice).buy(&asset, 2, 1_000_000, 0).unwrap();
    }
    c(&carol).buy(&dataset, 1, 1_000_000, 0).unwrap();
    c(&dan).buy(&dataset, 1, 1_000_000, 0).unwrap();

    // A file whose hash differs from the asset's: the server refuses to start.
    let wrong = dir.join("wrong.bin");
    std::fs::write(&wrong, b"not the dataset").unwrap();
    let err = serve(
        &net.url,
        &[
            "--asset",
            &dataset.to_string(),
            "--file",
            wrong.to_str().unwrap(),
            "--data-dir",
            dir.join("d0").to_str().unwrap(),
        ],
    )
    .err()
    .expect("must refuse to start");
    assert!(
        err.contains("refusing to serve") && err.contains("content hash"),
        "{err}"
    );

    let data_dir = dir.join("d1");
    let server = serve(
        &net.url,
        &[
            "--asset",
            &dataset.to_string(),
            "--file",
            file.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--nonce-ttl",
            "2",
        ],
    )
    .unwrap();
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let h = Holder {
        http: &http,
        base: &server.1,
        asset: dataset,
    };

    // Download, byte for byte, and a range of it.
    let resp = h.get(&h.headers(&alice, &alice.pubkey()), None);
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().unwrap().as_ref(), content.as_slice());
    let resp = h.get(&h.headers(&alice, &alice.pubkey()), Some("bytes=1000-1999"));
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().unwrap().as_ref(), &content[1000..2000]);

    // Refusals.
    refused(
        h.get(&h.headers(&bob, &alice.pubkey()), None),
        401,
        "bad_signature",
        &secret,
    );
    refused(h.get(&[], None), 401, "missing_proof", &secret);
    let mut forged = h.headers(&alice, &alice.pubkey());
    forged[1].1 = "00112233445566778899aabbccddeeff".into();
    refused(h.get(&forged, None), 401, "unknown_nonce", &secret);
    let once = h.headers(&alice, &alice.pubkey());
    assert_eq!(h.get(&once, None).status().as_u16(), 200);
    refused(h.get(&once, None), 401, "replayed_nonce", &secret);
    let stale = h.headers(&alice, &alice.pubkey());
    std::thread::sleep(Duration::from_secs(3));
    refused(h.get(&stale, None), 401, "expired_nonce", &secret);
    refused(h.get(&h.headers(&bob, &bob.pubkey()), None), 403, "no_pass", &secret);
    p.revoke(&dataset, &carol.pubkey(), 9).unwrap();
    refused(
        h.get(&h.headers(&carol, &carol.pubkey()), None),
        403,
        "pass_revoked",
        &secret,
    );
    c(&dan).redeem(&dataset, 1).unwrap();
    refused(
        h.get(&h.headers(&dan, &dan.pubkey()), None),
        403,
        "no_access_token",
        &secret,
    );
    let other = Holder {
        http: &http,
        base: &server.1,
        asset: model,
    };
    refused(
        http.get(format!("{}/v1/assets/{}/challenge", server.1, other.asset))
            .send()
            .unwrap(),
        404,
        "unknown_asset",
        &secret,
    );
    refused(
        http.get(format!("{}/v1/assets/not-a-key/data", server.1))
            .send()
            .unwrap(),
        404,
        "unknown_asset",
        &secret,
    );
    refused(
        http.get(format!("{}/nowhere", server.1)).send().unwrap(),
        404,
        "not_found",
        &secret,
    );
    let mut bad_holder = h.headers(&alice, &alice.pubkey());
    bad_holder[0].1 = "zzz".into();
    refused(h.get(&bad_holder, None), 400, "bad_request", &secret);

    // An expired pass (2 seconds of access, on the validator's clock).
    c(&bob).buy(&short, 1, 1_000_000, 0).unwrap();
    let short_server = serve(
        &net.url,
        &[
            "--asset",
            &short.to_string(),
            "--file",
            file.to_str().unwrap(),
            "--data-dir",
            dir.join("d2").to_str().unwrap(),
        ],
    );
    assert!(
        short_server.is_err(),
        "the short asset's hash differs from the file: refused"
    );
    // Wait until the validator's clock passes the expiry (its unix time follows its slots).
    let mut waited = 0;
    while boss.access(&short, &bob.pubkey()).unwrap().reason != Some(AccessDenied::PassExpired) {
        assert!(waited < 60, "the 2-second pass never expired on the validator's clock");
        std::thread::sleep(Duration::from_secs(1));
        waited += 1;
    }
    // The short asset has no file here (its content hash is made up): gate it as an
    // endpoint, whose start-up hashes nothing.
    let gate_for_short = serve(
        &net.url,
        &[
            "--asset",
            &short.to_string(),
            "--upstream",
            &upstream(),
            "--data-dir",
            dir.join("d3").to_str().unwrap(),
        ],
    )
    .unwrap();
    let sh = Holder {
        http: &http,
        base: &gate_for_short.1,
        asset: short,
    };
    let mut req = http
        .post(format!("{}/v1/assets/{short}/infer", gate_for_short.1))
        .body("hello");
    for (k, v) in sh.headers(&bob, &bob.pubkey()) {
        req = req.header(k, v);
    }
    refused(req.send().unwrap(), 403, "pass_expired", &secret);

    // A model: the request reaches the upstream and its answer comes back.
    let model_server = serve(
        &net.url,
        &[
            "--asset",
            &model.to_string(),
            "--upstream",
            &upstream(),
            "--data-dir",
            dir.join("d4").to_str().unwrap(),
        ],
    )
    .unwrap();
    let mh = Holder {
        http: &http,
        base: &model_server.1,
        asset: model,
    };
    let mut req = http
        .post(format!("{}/v1/assets/{model}/infer", model_server.1))
        .header("content-type", "text/plain")
        .body("a prompt");
    for (k, v) in mh.headers(&alice, &alice.pubkey()) {
        req = req.header(k, v);
    }
    let resp = req.send().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().unwrap(), "A PROMPT");
    // The model's answer is streamed: its first chunk reaches the holder while the upstream is
    // still writing (a buffering gate would hold it until the upstream finished).
    let (release, wait) = std::sync::mpsc::channel();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let streaming = serve(
        &net.url,
        &[
            "--asset",
            &model.to_string(),
            "--upstream",
            &slow_upstream(wait, done.clone()),
            "--data-dir",
            dir.join("d4s").to_str().unwrap(),
        ],
    )
    .unwrap();
    let sh2 = Holder {
        http: &http,
        base: &streaming.1,
        asset: model,
    };
    let mut req = http
        .post(format!("{}/v1/assets/{model}/infer", streaming.1))
        .header("content-type", "text/plain")
        .body("a prompt");
    for (k, v) in sh2.headers(&alice, &alice.pubkey()) {
        req = req.header(k, v);
    }
    let mut resp = req.send().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut first = [0u8; 6];
    resp.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"first\n");
    assert!(
        !done.load(std::sync::atomic::Ordering::SeqCst),
        "the first chunk arrived only after the upstream finished: the gate buffered the answer"
    );
    release.send(()).unwrap();
    let mut rest = String::new();
    resp.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "rest\n");
    drop(streaming);
    // An upstream that is down: a clear gateway error.
    let dead = format!("http://127.0.0.1:{}/v1", free_port());
    let dead_server = serve(
        &net.url,
        &[
            "--asset",
            &model.to_string(),
            "--upstream",
            &dead,
            "--data-dir",
            dir.join("d5").to_str().unwrap(),
        ],
    )
    .unwrap();
    let dh = Holder {
        http: &http,
        base: &dead_server.1,
        asset: model,
    };
    let mut req = http
        .post(format!("{}/v1/assets/{model}/infer", dead_server.1))
        .body("x");
    for (k, v) in dh.headers(&alice, &alice.pubkey()) {
        req = req.header(k, v);
    }
    refused(req.send().unwrap(), 502, "upstream_error", &secret);

    // Consumable: each delivery needs a confirmed redeem, honoured once, across restarts.
    let cdir = dir.join("d6");
    let consumable = |dir: &Path| {
        serve(
            &net.url,
            &[
                "--asset",
                &dataset.to_string(),
                "--file",
                file.to_str().unwrap(),
                "--consumable",
                "--data-dir",
                dir.to_str().unwrap(),
            ],
        )
        .unwrap()
    };
    let mut cs = consumable(&cdir);
    let redeem = c(&alice).redeem(&dataset, 1).unwrap().to_string();
    let ch = Holder {
        http: &http,
        base: &cs.1,
        asset: dataset,
    };
    refused(
        ch.get(&ch.headers(&alice, &alice.pubkey()), None),
        403,
        "redeem_required",
        &secret,
    );
    let resp = until_served(|| {
        let mut with_redeem = ch.headers(&alice, &alice.pubkey());
        with_redeem.push((proof::REDEEM_HEADER, redeem.clone()));
        ch.get(&with_redeem, None)
    });
    let status = resp.status().as_u16();
    let body = resp.bytes().unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body[..body.len().min(300)]));
    assert_eq!(body.len(), content.len());
    let mut again = ch.headers(&alice, &alice.pubkey());
    again.push((proof::REDEEM_HEADER, redeem.clone()));
    refused(ch.get(&again, None), 403, "redeem_reused", &secret);
    // Someone else's redemption is not this holder's (dan holds valid access again).
    c(&dan).buy(&dataset, 1, 1_000_000, 0).unwrap();
    let alices = c(&alice).redeem(&dataset, 1).unwrap().to_string();
    let stolen = until_served(|| {
        let mut stolen = ch.headers(&dan, &dan.pubkey());
        stolen.push((proof::REDEEM_HEADER, alices.clone()));
        ch.get(&stolen, None)
    });
    refused(stolen, 403, "redeem_invalid", &secret);
    c(&alice).buy(&dataset, 2, 1_000_000, 0).unwrap(); // alice keeps valid access for what follows
    drop(cs);
    cs = consumable(&cdir);
    let ch = Holder {
        http: &http,
        base: &cs.1,
        asset: dataset,
    };
    let mut after_restart = ch.headers(&alice, &alice.pubkey());
    after_restart.push((proof::REDEEM_HEADER, redeem));
    refused(ch.get(&after_restart, None), 403, "redeem_reused", &secret);
    // A signature that is not a redeem of this asset by this holder (a purchase).
    let buy = c(&alice).buy(&dataset, 1, 1_000_000, 0).unwrap().to_string();
    let not_redeem = until_served(|| {
        let mut not_redeem = ch.headers(&alice, &alice.pubkey());
        not_redeem.push((proof::REDEEM_HEADER, buy.clone()));
        ch.get(&not_redeem, None)
    });
    refused(not_redeem, 403, "redeem_invalid", &secret);

    drop((server, gate_for_short, model_server, dead_server, cs));
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------------------
// Consumable access and token accounts (issue 14, item 5)
// ------------------------------------------------------------------------------------------

/// A local validator with the registry configured, a 64 KiB dataset published (1 USDC per
/// access token, perpetual access), and a funded wallet per name.
struct World {
    dir: PathBuf,
    net: Localnet,
    boss: Tessera,
    usdc: Pubkey,
    publisher: Tessera,
    file: PathBuf,
    content: Vec<u8>,
    dataset: Pubkey,
    http: Client,
    _one: std::sync::MutexGuard<'static, ()>,
}

const SECRET: &[u8] = b"TESSERA-SECRET-DATA";

impl World {
    fn new(name: &str) -> Self {
        let one = one_at_a_time();
        let TestChain {
            dir,
            admin,
            admin_path: _,
            net,
        } = TestChain::start(&format!("gate-{name}"), Duration::from_secs(180));
        let boss = Tessera::new(&net.url, admin.insecure_clone(), CommitmentConfig::confirmed());
        let usdc = boss.create_mint(6).unwrap();
        boss.initialize_config(InitializeConfigArgs {
            admin: admin.pubkey(),
            treasury: admin.pubkey(),
            fee_bps: 0,
            payment_mints: vec![usdc],
        })
        .unwrap();
        let mut content = SECRET.to_vec();
        content.extend((0..65_536u32).map(|i| (i % 251) as u8));
        let file = dir.join("dataset.bin");
        std::fs::write(&file, &content).unwrap();
        let publisher = Keypair::new();
        boss.transfer_sol(&publisher.pubkey(), 1_000_000_000).unwrap();
        let publisher = Tessera::new(&net.url, publisher, CommitmentConfig::confirmed());
        let dataset = publish(
            &publisher,
            &usdc,
            parse::hash_file(&file).unwrap(),
            AssetKind::Dataset,
            0,
        );
        let http = Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        World {
            dir,
            net,
            boss,
            usdc,
            publisher,
            file,
            content,
            dataset,
            http,
            _one: one,
        }
    }

    /// A new wallet with 1 SOL and 100 USDC.
    fn wallet(&self) -> Tessera {
        let k = Keypair::new();
        self.boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
        self.boss.mint_to(&self.usdc, &k.pubkey(), 100_000_000).unwrap();
        Tessera::new(&self.net.url, k, CommitmentConfig::confirmed())
    }

    /// `tessera serve` of the dataset; `--consumable` if asked, its state in `data_dir`.
    fn gate(&self, consumable: bool, data_dir: &str) -> Server {
        self.gate_with(consumable, data_dir, &[])
    }

    /// [`World::gate`] with more arguments.
    fn gate_with(&self, consumable: bool, data_dir: &str, extra: &[&str]) -> Server {
        let data_dir = self.dir.join(data_dir);
        let mut args = vec![
            "--asset".to_string(),
            self.dataset.to_string(),
            "--file".into(),
            self.file.to_str().unwrap().into(),
        ];
        args.extend(["--data-dir".into(), data_dir.to_str().unwrap().into()]);
        if consumable {
            args.push("--consumable".into());
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        serve(&self.net.url, &args.iter().map(String::as_str).collect::<Vec<_>>()).unwrap()
    }

    /// GET the dataset as `who`, with a fresh proof and, if given, a redemption.
    fn download(&self, gate: &Server, who: &Tessera, redeem: Option<&str>) -> reqwest::blocking::Response {
        let h = Holder {
            http: &self.http,
            base: &gate.1,
            asset: self.dataset,
        };
        until_served(|| {
            let mut headers = h.headers(&who.payer, &who.wallet());
            if let Some(sig) = redeem {
                headers.push((proof::REDEEM_HEADER, sig.to_string()));
            }
            h.get(&headers, None)
        })
    }

    /// A download that must succeed: the whole file, and the units its redemption has left.
    #[track_caller]
    fn delivered(&self, resp: reqwest::blocking::Response) -> Option<u64> {
        let status = resp.status().as_u16();
        let remaining = resp
            .headers()
            .get(proof::REDEEM_REMAINING_HEADER)
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        let body = resp.bytes().unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body[..body.len().min(300)]));
        assert_eq!(body.as_ref(), self.content.as_slice());
        remaining
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A holder that redeems its last access token is delivered what it paid for (the gate used to
/// check the balance first and refuse with `no_access_token`).
#[test]
fn consumable_gate_delivers_to_a_holder_who_redeemed_its_last_token() {
    let w = World::new("last-token");
    let alice = w.wallet();
    alice.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    let redeem = alice.redeem(&w.dataset, 1).unwrap().to_string();
    let report = alice.access(&w.dataset, &alice.wallet()).unwrap();
    assert_eq!(
        (report.balance, report.reason),
        (0, Some(AccessDenied::NoAccessToken)),
        "no token left"
    );
    let gate = w.gate(true, "last-token");
    assert_eq!(w.delivered(w.download(&gate, &alice, Some(&redeem))), Some(0));
    refused(w.download(&gate, &alice, Some(&redeem)), 403, "redeem_reused", SECRET);
    // Without a redemption a consumable gate delivers nothing, whatever the holder holds.
    alice.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    refused(w.download(&gate, &alice, None), 403, "redeem_required", SECRET);
}

/// A redemption of 3 units pays for exactly 3 deliveries, counted across a restart and under
/// concurrent requests; the 4th is refused with `redeem_reused`.
#[test]
fn consumable_gate_honours_a_redemption_of_3_units_exactly_3_times() {
    let w = World::new("three-units");
    let alice = w.wallet();
    alice.buy(&w.dataset, 3, 1_000_000, 0).unwrap();
    let redeem = alice.redeem(&w.dataset, 3).unwrap().to_string();
    assert_eq!(alice.access(&w.dataset, &alice.wallet()).unwrap().balance, 0);
    let gate = w.gate(true, "three");
    let first = w.delivered(w.download(&gate, &alice, Some(&redeem)));
    // A range request is a delivery too.
    let h = h_for(&w, &gate);
    let mut headers = h.headers(&alice.payer, &alice.wallet());
    headers.push((proof::REDEEM_HEADER, redeem.clone()));
    let resp = h.get(&headers, Some("bytes=0-99"));
    assert_eq!(resp.status().as_u16(), 206, "the second delivery");
    let second = resp.headers().get(proof::REDEEM_REMAINING_HEADER).cloned();
    assert_eq!(resp.bytes().unwrap().as_ref(), &w.content[..100]);
    assert_eq!(
        (first, second.as_ref().map(|v| v.to_str().unwrap())),
        (Some(2), Some("1")),
        "units left after each"
    );
    // Restarted on the same data: one unit left; four requests at once get one delivery.
    drop(gate);
    let gate = w.gate(true, "three");
    let answers: Vec<(u16, Vec<u8>)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let headers = {
                    let mut hd = h_for(&w, &gate).headers(&alice.payer, &alice.wallet());
                    hd.push((proof::REDEEM_HEADER, redeem.clone()));
                    hd
                };
                let (w, gate) = (&w, &gate);
                s.spawn(move || {
                    let r = h_for(w, gate).get(&headers, None);
                    (r.status().as_u16(), r.bytes().unwrap().to_vec())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one of four concurrent requests is delivered: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(ok[0].1, w.content);
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 403);
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["error"], "redeem_reused", "{v}");
        assert!(v["message"].as_str().unwrap().contains("3 deliveries"), "{v}");
    }
    refused(w.download(&gate, &alice, Some(&redeem)), 403, "redeem_reused", SECRET);
    drop(gate);
    let gate = w.gate(true, "three");
    refused(w.download(&gate, &alice, Some(&redeem)), 403, "redeem_reused", SECRET);
}

fn h_for<'a>(w: &'a World, gate: &'a Server) -> Holder<'a> {
    Holder {
        http: &w.http,
        base: &gate.1,
        asset: w.dataset,
    }
}

/// A redemption serves only its holder and its asset: another holder (with a valid pass and
/// tokens of its own) and another asset's redemption are refused with `redeem_invalid`, and
/// the refused attempts spend nothing of it.
#[test]
fn consumable_gate_refuses_a_redemption_to_another_holder_or_asset() {
    let w = World::new("other-holder");
    let (alice, bob) = (w.wallet(), w.wallet());
    alice.buy(&w.dataset, 2, 1_000_000, 0).unwrap();
    bob.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    let alices = alice.redeem(&w.dataset, 1).unwrap().to_string();
    let other = publish(&w.publisher, &w.usdc, [0x0e; 32], AssetKind::Dataset, 0);
    bob.buy(&other, 1, 1_000_000, 0).unwrap();
    let bobs_other = bob.redeem(&other, 1).unwrap().to_string();
    let gate = w.gate(true, "other-holder");
    refused(w.download(&gate, &bob, Some(&alices)), 403, "redeem_invalid", SECRET);
    refused(
        w.download(&gate, &bob, Some(&bobs_other)),
        403,
        "redeem_invalid",
        SECRET,
    );
    assert_eq!(
        w.delivered(w.download(&gate, &alice, Some(&alices))),
        Some(0),
        "bob's attempt spent nothing"
    );
    refused(w.download(&gate, &bob, Some(&alices)), 403, "redeem_invalid", SECRET);
    refused(w.download(&gate, &alice, Some(&alices)), 403, "redeem_reused", SECRET);
}

/// At a consumable model gate, a request the upstream never answers spends no unit.
#[test]
fn consumable_gate_gives_back_a_unit_when_nothing_is_delivered() {
    let w = World::new("give-back");
    let model = publish(&w.publisher, &w.usdc, [0x3d; 32], AssetKind::Model, 0);
    let alice = w.wallet();
    alice.buy(&model, 2, 1_000_000, 0).unwrap(); // one token kept: only the give-back is tested
    let redeem = alice.redeem(&model, 1).unwrap().to_string();
    let data_dir = w.dir.join("give-back");
    let gate_to = |upstream: &str| {
        serve(
            &w.net.url,
            &[
                "--asset",
                &model.to_string(),
                "--upstream",
                upstream,
                "--consumable",
                "--data-dir",
                data_dir.to_str().unwrap(),
            ],
        )
        .unwrap()
    };
    let infer = |gate: &Server| {
        until_served(|| {
            let h = Holder {
                http: &w.http,
                base: &gate.1,
                asset: model,
            };
            let mut req = w
                .http
                .post(format!("{}/v1/assets/{model}/infer", gate.1))
                .body("a prompt");
            for (k, v) in h.headers(&alice.payer, &alice.wallet()) {
                req = req.header(k, v);
            }
            req.header(proof::REDEEM_HEADER, &redeem).send().unwrap()
        })
    };
    let dead = gate_to(&format!("http://127.0.0.1:{}/v1", free_port()));
    refused(infer(&dead), 502, "upstream_error", b"A PROMPT");
    refused(infer(&dead), 502, "upstream_error", b"A PROMPT");
    drop(dead);
    let live = gate_to(&upstream());
    let resp = infer(&live);
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()[proof::REDEEM_REMAINING_HEADER], "0");
    assert_eq!(resp.text().unwrap(), "A PROMPT");
    refused(infer(&live), 403, "redeem_reused", b"A PROMPT");
}

/// Access tokens count in any token account of the holder, not only its associated one, as
/// `verify_access` accepts any: here all of them sit in two other accounts (the gate used to
/// read the associated account only and refused with `no_access_token`).
#[test]
fn gate_counts_access_tokens_in_any_token_account_of_the_holder() {
    let w = World::new("any-account");
    let alice = w.wallet();
    alice.buy(&w.dataset, 3, 1_000_000, 0).unwrap();
    let mint = tessera_client::pda::access_mint(&w.dataset);
    let x = alice.move_to_new_token_account(&mint, 2).unwrap();
    let y = alice.move_to_new_token_account(&mint, 1).unwrap();
    let ata = tessera_client::pda::ata(&alice.wallet(), &mint, &tessera_client::TOKEN_PROGRAM_ID);
    assert_eq!(
        (
            alice.token_balance(&ata).unwrap(),
            alice.token_balance(&x).unwrap(),
            alice.token_balance(&y).unwrap()
        ),
        (0, 2, 1)
    );
    let gate = w.gate(false, "any-account");
    assert_eq!(w.delivered(w.download(&gate, &alice, None)), None);
    // The client's off-chain twin of verify_access (`tessera access check`) sums them too.
    let report = alice.access(&w.dataset, &alice.wallet()).unwrap();
    assert_eq!(
        (report.valid, report.reason, report.balance),
        (true, None, 3),
        "{report:?}"
    );
    // Another wallet's tokens are not alice's: bob holds none and is refused.
    let bob = w.wallet();
    bob.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    bob.redeem(&w.dataset, 1).unwrap();
    refused(w.download(&gate, &bob, None), 403, "no_access_token", SECRET);
}

/// CORS (`--cors-origin`): a browser page of an allowed origin gets its preflight answered with
/// the gate's request headers allowed, and reads the gate's answer headers; another origin gets
/// no CORS header; a gate without the flag sends none.
#[test]
fn the_gate_answers_browsers_of_its_cors_origins_only() {
    let w = World::new("cors");
    let alice = w.wallet();
    alice.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    let page = "http://localhost:5173";
    let data = format!("/v1/assets/{}/data", w.dataset);
    let cors_headers = |r: &reqwest::blocking::Response| -> Vec<String> {
        r.headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .map(|k| k.to_string())
            .collect()
    };
    let preflight = |gate: &Server, origin: &str| {
        w.http
            .request(reqwest::Method::OPTIONS, format!("{}{data}", gate.1))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header(
                "access-control-request-headers",
                "x-tessera-holder,x-tessera-nonce,x-tessera-signature,range",
            )
            .send()
            .unwrap()
    };
    let list = |r: &reqwest::blocking::Response, name: &str| -> Vec<String> {
        r.headers()
            .get_all(name)
            .iter()
            .flat_map(|v| {
                v.to_str()
                    .unwrap()
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .collect()
    };

    let gate = w.gate_with(
        false,
        "cors",
        &["--cors-origin", page, "--cors-origin", "https://app.test"],
    );
    let r = preflight(&gate, page);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], page);
    let allowed = list(&r, "access-control-allow-headers");
    for h in [
        "x-tessera-holder",
        "x-tessera-nonce",
        "x-tessera-signature",
        "x-tessera-redeem",
        "x-tessera-voucher",
        "range",
        "content-type",
    ] {
        assert!(allowed.contains(&h.to_string()), "{h} in {allowed:?}");
    }
    assert!(list(&r, "access-control-allow-methods").contains(&"get".to_string()));
    // The page's real request: delivered, its headers readable (a range: Content-Range exposed).
    let h = h_for(&w, &gate);
    let mut headers = h.headers(&alice.payer, &alice.wallet());
    headers.push(("origin", page.to_string()));
    let r = h.get(&headers, Some("bytes=0-9"));
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(r.headers()["access-control-allow-origin"], page);
    let exposed = list(&r, "access-control-expose-headers");
    for hd in [
        "content-range",
        "x-tessera-free-calls-left",
        "x-tessera-accepted",
        "x-tessera-remaining",
        "x-tessera-redeem-remaining",
        "retry-after",
    ] {
        assert!(exposed.contains(&hd.to_string()), "{hd} in {exposed:?}");
    }
    // A refusal is readable by the page too.
    let r = h.get(&[("origin", "https://app.test".to_string())], None);
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], "https://app.test");
    // Another origin: no CORS header at all, on the preflight and on the request.
    let r = preflight(&gate, "https://evil.test");
    assert_eq!(cors_headers(&r), Vec::<String>::new());
    let mut headers = h.headers(&alice.payer, &alice.wallet());
    headers.push(("origin", "https://evil.test".to_string()));
    let r = h.get(&headers, Some("bytes=0-9"));
    assert_eq!(cors_headers(&r), Vec::<String>::new());
    drop(gate);

    // No flag, no CORS header.
    let gate = w.gate(false, "no-cors");
    let r = preflight(&gate, page);
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(cors_headers(&r), Vec::<String>::new());
    let h = h_for(&w, &gate);
    let mut headers = h.headers(&alice.payer, &alice.wallet());
    headers.push(("origin", page.to_string()));
    let r = h.get(&headers, Some("bytes=0-9"));
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(cors_headers(&r), Vec::<String>::new());
}

/// The gate process's resident memory (KiB), from /proc.
fn rss_kib(server: &Server) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", server.0.id()))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A flood of challenge requests over HTTP (50,000 from 4 clients; the million-request flood
/// runs in process: `serve::gate::tests::a_flood_of_challenges_costs_no_memory`) leaves the
/// gate's memory flat, and a holder is served right after it.
#[test]
fn a_flood_of_challenges_leaves_memory_flat_and_holders_served() {
    let w = World::new("flood");
    let alice = w.wallet();
    alice.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    let gate = w.gate(false, "flood");
    let flood = |n: usize| {
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let http = Client::new();
                    let url = format!("{}/v1/assets/{}/challenge", gate.1, w.dataset);
                    for _ in 0..n / 4 {
                        let r = http.get(&url).send().unwrap();
                        assert_eq!(r.status().as_u16(), 200);
                        r.bytes().unwrap();
                    }
                });
            }
        })
    };
    flood(5_000);
    let before = rss_kib(&gate);
    flood(50_000);
    let after = rss_kib(&gate);
    eprintln!("50,000 challenges over HTTP: gate VmRSS {before} KiB before, {after} KiB after");
    assert!(
        after <= before + 8 * 1024,
        "the gate grew from {before} KiB to {after} KiB"
    );
    w.delivered(w.download(&gate, &alice, None));
}

/// A delivery on a signed challenge comes with a session token; later requests with
/// `Authorization: Bearer` skip the challenge, and every one of them still checks the pass on
/// chain: a revocation or the pass's expiry ends the session at once. A token of another
/// gate or asset, or an altered one, is refused.
#[test]
fn sessions_skip_the_challenge_until_revocation_or_pass_expiry() {
    let w = World::new("sessions");
    let alice = w.wallet();
    alice.buy(&w.dataset, 1, 1_000_000, 0).unwrap();
    let gate = w.gate(false, "sessions");
    let h = h_for(&w, &gate);
    let resp = h.get(&h.headers(&alice.payer, &alice.wallet()), None);
    let token = resp.headers()["x-tessera-session"].to_str().unwrap().to_string();
    let expires: i64 = resp.headers()["x-tessera-session-expires"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    w.delivered(resp);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        expires > now && expires <= now + 600,
        "at most 10 minutes: {expires} vs {now}"
    );
    let bearer = |t: &str| vec![("authorization", format!("Bearer {t}"))];
    // Accepted, again and again, with no new challenge (and no new token).
    for _ in 0..3 {
        let r = h.get(&bearer(&token), None);
        assert!(r.headers().get("x-tessera-session").is_none());
        w.delivered(r);
    }
    let r = h.get(&bearer(&token), Some("bytes=0-9"));
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(r.bytes().unwrap().as_ref(), &w.content[..10]);
    // Altered tokens and other schemes.
    let mut altered = token.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
    refused(
        h.get(&bearer(std::str::from_utf8(&altered).unwrap()), None),
        401,
        "bad_session",
        SECRET,
    );
    let bob = w.wallet();
    let stolen_name = token.replace(&alice.wallet().to_string(), &bob.wallet().to_string());
    refused(h.get(&bearer(&stolen_name), None), 401, "bad_session", SECRET);
    // Another scheme is not a session (a proxy's Basic authentication passes through).
    refused(
        h.get(&[("authorization", format!("Basic {token}"))], None),
        401,
        "missing_proof",
        SECRET,
    );
    // Another asset's gate (a model, same domain): the token is not its.
    let model = publish(&w.publisher, &w.usdc, [0x52; 32], AssetKind::Model, 0);
    alice.buy(&model, 1, 1_000_000, 0).unwrap();
    let model_gate = serve(
        &w.net.url,
        &[
            "--asset",
            &model.to_string(),
            "--upstream",
            &upstream(),
            "--data-dir",
            w.dir.join("sessions-model").to_str().unwrap(),
        ],
    )
    .unwrap();
    let infer = |gate: &Server, asset: &Pubkey, headers: &[(&str, String)]| {
        let mut req = w.http.post(format!("{}/v1/assets/{asset}/infer", gate.1)).body("hi");
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.send().unwrap()
    };
    refused(infer(&model_gate, &model, &bearer(&token)), 401, "bad_session", SECRET);
    // Revoked: the very next request with the session is refused.
    w.publisher.revoke(&w.dataset, &alice.wallet(), 9).unwrap();
    refused(h.get(&bearer(&token), None), 403, "pass_revoked", SECRET);

    // Pass expiry: a 30-second pass; its session expires no later than the pass.
    let short = publish(&w.publisher, &w.usdc, [0x53; 32], AssetKind::Model, 30);
    bob.buy(&short, 1, 1_000_000, 0).unwrap();
    let short_gate = serve(
        &w.net.url,
        &[
            "--asset",
            &short.to_string(),
            "--upstream",
            &upstream(),
            "--data-dir",
            w.dir.join("sessions-short").to_str().unwrap(),
        ],
    )
    .unwrap();
    let sh = Holder {
        http: &w.http,
        base: &short_gate.1,
        asset: short,
    };
    let r = infer(&short_gate, &short, &sh.headers(&bob.payer, &bob.wallet()));
    assert_eq!(r.status().as_u16(), 200);
    let short_token = r.headers()["x-tessera-session"].to_str().unwrap().to_string();
    let short_expires: i64 = r.headers()["x-tessera-session-expires"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let pass_expires = w.boss.access(&short, &bob.wallet()).unwrap().expires_at.unwrap();
    assert!(
        short_expires <= pass_expires,
        "session {short_expires} after the pass {pass_expires}"
    );
    let r = infer(&short_gate, &short, &bearer(&short_token));
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().unwrap(), "HI");
    let mut waited = 0;
    while w.boss.access(&short, &bob.wallet()).unwrap().reason != Some(AccessDenied::PassExpired) {
        assert!(
            waited < 120,
            "the 30-second pass never expired on the validator's clock"
        );
        std::thread::sleep(Duration::from_secs(1));
        waited += 1;
    }
    let r = infer(&short_gate, &short, &bearer(&short_token));
    let status = r.status().as_u16();
    let v: Value = r.json().unwrap();
    assert!(
        (status, v["error"].as_str()) == (403, Some("pass_expired"))
            || (status, v["error"].as_str()) == (401, Some("session_expired")),
        "{status} {v}"
    );
}
