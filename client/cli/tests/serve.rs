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
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    localnet::Localnet,
    parse, proof,
    registry::{instructions::{InitializeConfigArgs, PublishAssetArgs}, state::{AssetKind, License}},
    royalties::state::RecipientInput,
    Pubkey, Tessera,
};

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
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
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
        let v: Value = self.http.get(format!("{}/v1/assets/{}/challenge", self.base, self.asset)).send().unwrap().json().unwrap();
        assert_eq!(v["domain"], "data.test");
        (v["nonce"].as_str().unwrap().to_string(), v["expiresAt"].as_i64().unwrap())
    }

    /// A proof signed by `signer` presented as `holder`.
    fn headers(&self, signer: &Keypair, holder: &Pubkey) -> Vec<(&'static str, String)> {
        let (nonce, expires) = self.challenge();
        let sig = proof::sign(signer, "data.test", &self.asset, &nonce, expires);
        vec![(proof::HOLDER_HEADER, holder.to_string()), (proof::NONCE_HEADER, nonce), (proof::SIGNATURE_HEADER, sig.to_string())]
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

#[track_caller]
fn refused(resp: reqwest::blocking::Response, status: u16, code: &str, secret: &[u8]) {
    assert_eq!(resp.status().as_u16(), status, "expected {code}");
    let body = resp.bytes().unwrap();
    assert!(!body.windows(secret.len()).any(|w| w == secret), "content leaked on a refusal");
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
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}", body.len(), body);
        }
    });
    format!("http://{addr}/v1/generate")
}

fn body_complete(req: &[u8]) -> bool {
    let text = String::from_utf8_lossy(req);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    let len = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
        .unwrap_or(0);
    body.len() >= len
}

fn publish(t: &Tessera, mint: &Pubkey, hash: [u8; 32], kind: AssetKind, duration: u64) -> Pubkey {
    t.publish(mint, None, PublishAssetArgs {
        kind,
        content_hash: hash,
        uri: "ar://gate-test".into(),
        license: License { flags: 0, terms_hash: [0; 32] },
        price: 1_000_000,
        max_supply: 0,
        access_duration: duration,
        inference_royalty_bps: 0,
        inference_gated: false,
        parents: vec![],
        recipients: vec![RecipientInput { address: t.wallet(), bps: 10_000 }],
    })
    .unwrap()
    .0
}

#[test]
fn the_gate_delivers_only_to_valid_holders() {
    let dir = std::env::temp_dir().join(format!("tessera-gate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let admin = Keypair::new();
    let admin_path: PathBuf = dir.join("admin.json");
    write_keypair_file(&admin, &admin_path).unwrap();
    let net = Localnet::start(&admin_path, Duration::from_secs(180)).expect("start tessera-localnet");
    let c = |k: &Keypair| Tessera::new(&net.url, k.insecure_clone(), CommitmentConfig::confirmed());
    let boss = c(&admin);
    let usdc = boss.create_mint(6).unwrap();
    boss.initialize_config(InitializeConfigArgs { admin: admin.pubkey(), treasury: admin.pubkey(), fee_bps: 0, payment_mints: vec![usdc] }).unwrap();
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
        c(&alice).buy(&asset, 2, 1_000_000).unwrap();
    }
    c(&carol).buy(&dataset, 1, 1_000_000).unwrap();
    c(&dan).buy(&dataset, 1, 1_000_000).unwrap();

    // A file whose hash differs from the asset's: the server refuses to start.
    let wrong = dir.join("wrong.bin");
    std::fs::write(&wrong, b"not the dataset").unwrap();
    let err = serve(&net.url, &["--asset", &dataset.to_string(), "--file", wrong.to_str().unwrap(), "--data-dir", dir.join("d0").to_str().unwrap()])
        .err()
        .expect("must refuse to start");
    assert!(err.contains("refusing to serve") && err.contains("content hash"), "{err}");

    let data_dir = dir.join("d1");
    let server = serve(&net.url, &["--asset", &dataset.to_string(), "--file", file.to_str().unwrap(), "--data-dir", data_dir.to_str().unwrap(), "--nonce-ttl", "2"]).unwrap();
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let h = Holder { http: &http, base: &server.1, asset: dataset };

    // Download, byte for byte, and a range of it.
    let resp = h.get(&h.headers(&alice, &alice.pubkey()), None);
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().unwrap().as_ref(), content.as_slice());
    let resp = h.get(&h.headers(&alice, &alice.pubkey()), Some("bytes=1000-1999"));
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().unwrap().as_ref(), &content[1000..2000]);

    // Refusals.
    refused(h.get(&h.headers(&bob, &alice.pubkey()), None), 401, "bad_signature", &secret);
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
    refused(h.get(&h.headers(&carol, &carol.pubkey()), None), 403, "pass_revoked", &secret);
    c(&dan).redeem(&dataset, 1).unwrap();
    refused(h.get(&h.headers(&dan, &dan.pubkey()), None), 403, "no_access_token", &secret);
    let other = Holder { http: &http, base: &server.1, asset: model };
    refused(http.get(format!("{}/v1/assets/{}/challenge", server.1, other.asset)).send().unwrap(), 404, "unknown_asset", &secret);
    refused(http.get(format!("{}/v1/assets/not-a-key/data", server.1)).send().unwrap(), 404, "unknown_asset", &secret);
    refused(http.get(format!("{}/nowhere", server.1)).send().unwrap(), 404, "not_found", &secret);
    let mut bad_holder = h.headers(&alice, &alice.pubkey());
    bad_holder[0].1 = "zzz".into();
    refused(h.get(&bad_holder, None), 400, "bad_request", &secret);

    // An expired pass (2 seconds of access, on the validator's clock).
    c(&bob).buy(&short, 1, 1_000_000).unwrap();
    let short_server = serve(&net.url, &["--asset", &short.to_string(), "--file", file.to_str().unwrap(), "--data-dir", dir.join("d2").to_str().unwrap()]);
    assert!(short_server.is_err(), "the short asset's hash differs from the file: refused");
    // Wait until the validator's clock passes the expiry (its unix time follows its slots).
    let mut waited = 0;
    while boss.access(&short, &bob.pubkey()).unwrap().reason.as_deref() != Some("PassExpired") {
        assert!(waited < 60, "the 2-second pass never expired on the validator's clock");
        std::thread::sleep(Duration::from_secs(1));
        waited += 1;
    }
    // The short asset has no file here (its content hash is made up): gate it as an
    // endpoint, whose start-up hashes nothing.
    let gate_for_short = serve(&net.url, &["--asset", &short.to_string(), "--upstream", &upstream(), "--data-dir", dir.join("d3").to_str().unwrap()]).unwrap();
    let sh = Holder { http: &http, base: &gate_for_short.1, asset: short };
    let mut req = http.post(format!("{}/v1/assets/{short}/infer", gate_for_short.1)).body("hello");
    for (k, v) in sh.headers(&bob, &bob.pubkey()) {
        req = req.header(k, v);
    }
    refused(req.send().unwrap(), 403, "pass_expired", &secret);

    // A model: the request reaches the upstream and its answer comes back.
    let model_server = serve(&net.url, &["--asset", &model.to_string(), "--upstream", &upstream(), "--data-dir", dir.join("d4").to_str().unwrap()]).unwrap();
    let mh = Holder { http: &http, base: &model_server.1, asset: model };
    let mut req = http.post(format!("{}/v1/assets/{model}/infer", model_server.1)).header("content-type", "text/plain").body("a prompt");
    for (k, v) in mh.headers(&alice, &alice.pubkey()) {
        req = req.header(k, v);
    }
    let resp = req.send().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().unwrap(), "A PROMPT");
    // An upstream that is down: a clear gateway error.
    let dead = format!("http://127.0.0.1:{}/v1", free_port());
    let dead_server = serve(&net.url, &["--asset", &model.to_string(), "--upstream", &dead, "--data-dir", dir.join("d5").to_str().unwrap()]).unwrap();
    let dh = Holder { http: &http, base: &dead_server.1, asset: model };
    let mut req = http.post(format!("{}/v1/assets/{model}/infer", dead_server.1)).body("x");
    for (k, v) in dh.headers(&alice, &alice.pubkey()) {
        req = req.header(k, v);
    }
    refused(req.send().unwrap(), 502, "upstream_error", &secret);

    // Consumable: each delivery needs a confirmed redeem, honoured once, across restarts.
    let cdir = dir.join("d6");
    let consumable = |dir: &Path| serve(&net.url, &["--asset", &dataset.to_string(), "--file", file.to_str().unwrap(), "--consumable", "--data-dir", dir.to_str().unwrap()]).unwrap();
    let mut cs = consumable(&cdir);
    let redeem = c(&alice).redeem(&dataset, 1).unwrap().to_string();
    let ch = Holder { http: &http, base: &cs.1, asset: dataset };
    refused(ch.get(&ch.headers(&alice, &alice.pubkey()), None), 403, "redeem_required", &secret);
    let mut with_redeem = ch.headers(&alice, &alice.pubkey());
    with_redeem.push((proof::REDEEM_HEADER, redeem.clone()));
    let resp = ch.get(&with_redeem, None);
    let status = resp.status().as_u16();
    let body = resp.bytes().unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body[..body.len().min(300)]));
    assert_eq!(body.len(), content.len());
    let mut again = ch.headers(&alice, &alice.pubkey());
    again.push((proof::REDEEM_HEADER, redeem.clone()));
    refused(ch.get(&again, None), 403, "redeem_reused", &secret);
    // Someone else's redemption is not this holder's (dan holds valid access again).
    c(&dan).buy(&dataset, 1, 1_000_000).unwrap();
    let alices = c(&alice).redeem(&dataset, 1).unwrap().to_string();
    let mut stolen = ch.headers(&dan, &dan.pubkey());
    stolen.push((proof::REDEEM_HEADER, alices));
    refused(ch.get(&stolen, None), 403, "redeem_invalid", &secret);
    c(&alice).buy(&dataset, 2, 1_000_000).unwrap(); // alice keeps valid access for what follows
    drop(cs);
    cs = consumable(&cdir);
    let ch = Holder { http: &http, base: &cs.1, asset: dataset };
    let mut after_restart = ch.headers(&alice, &alice.pubkey());
    after_restart.push((proof::REDEEM_HEADER, redeem));
    refused(ch.get(&after_restart, None), 403, "redeem_reused", &secret);
    // A signature that is not a redeem of this asset by this holder (a purchase).
    let buy = c(&alice).buy(&dataset, 1, 1_000_000).unwrap().to_string();
    let mut not_redeem = ch.headers(&alice, &alice.pubkey());
    not_redeem.push((proof::REDEEM_HEADER, buy));
    refused(ch.get(&not_redeem, None), 403, "redeem_invalid", &secret);

    drop((server, gate_for_short, model_server, dead_server, cs));
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
