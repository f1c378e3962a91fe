//! `tessera serve --catalogue`: one process serving two datasets and a model, each only to its
//! own holders; a file whose hash is wrong refuses start-up; a file altered while serving is
//! taken out of service at the next re-hash and served again once restored; one websocket-fed
//! live view serves every asset (one connection; no RPC call per delivery once synced). The real
//! local validator, the real `tessera` binary.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::blocking::{Client, Response};
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
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, TestChain};

#[path = "support/proxy.rs"]
mod proxy;
use proxy::Proxy;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tessera serve ARGS…`; waits for its start line (or returns its failure output).
fn serve(url: &str, args: &[&str]) -> Result<Server, String> {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
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
    // The gate logs every request on stderr: drain it so that it never blocks.
    let mut err = child.stderr.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    Ok(Server(child, format!("http://{bind}")))
}

/// A one-shot-per-connection HTTP upstream that answers every request with `MODEL-OK`.
fn upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = vec![0u8; 65_536];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 8\r\nconnection: close\r\n\r\nMODEL-OK"
            );
        }
    });
    format!("http://{addr}/v1/generate")
}

fn publish(t: &Tessera, mint: &Pubkey, hash: [u8; 32], kind: AssetKind) -> Pubkey {
    t.publish(
        mint,
        None,
        PublishAssetArgs {
            kind,
            content_hash: hash,
            uri: "ar://catalogue-test".into(),
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
                address: t.wallet(),
                bps: 10_000,
            }],
        },
    )
    .unwrap()
    .0
}

/// A signed request of `holder` for `asset` (`data`: GET the file, else POST to `infer`).
fn fetch(http: &Client, base: &str, holder: &Keypair, asset: &Pubkey, data: bool) -> Response {
    let ch: Value = http
        .get(format!("{base}/v1/assets/{asset}/challenge"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let (nonce, expires) = (ch["nonce"].as_str().unwrap(), ch["expiresAt"].as_i64().unwrap());
    let sig = proof::sign(holder, "data.test", asset, nonce, expires);
    let req = if data {
        http.get(format!("{base}/v1/assets/{asset}/data"))
    } else {
        http.post(format!("{base}/v1/assets/{asset}/infer")).body("hello")
    };
    req.header(proof::HOLDER_HEADER, holder.pubkey().to_string())
        .header(proof::NONCE_HEADER, nonce)
        .header(proof::SIGNATURE_HEADER, sig.to_string())
        .send()
        .unwrap()
}

#[track_caller]
fn refused(resp: Response, status: u16, code: &str) {
    assert_eq!(resp.status().as_u16(), status, "expected {code}");
    let v: Value = resp.json().unwrap();
    assert_eq!(v["error"], code, "{v}");
}

/// Asks for `asset` every 250 ms until the answer has `status`, for up to 20 s.
#[track_caller]
fn until_status(mut get: impl FnMut() -> Response, status: u16) -> Response {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get();
        if r.status().as_u16() == status || Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn one_process_serves_a_catalogue_each_asset_to_its_own_holders_and_watches_the_files() {
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("catalogue-test", Duration::from_secs(180));
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
    let [publisher, alice, bob, carol] = std::array::from_fn(|_| Keypair::new());
    for k in [&publisher, &alice, &bob, &carol] {
        boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
        boss.mint_to(&usdc, &k.pubkey(), 100_000_000).unwrap();
    }
    // Dataset A: a named file. Dataset B: a file named by its content hash, beside the manifest.
    let cat = dir.join("catalogue");
    std::fs::create_dir_all(&cat).unwrap();
    let a_bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let b_bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 13) as u8).collect();
    let a_file = cat.join("a.bin");
    std::fs::write(&a_file, &a_bytes).unwrap();
    let b_hash = parse::hash_file(&{
        let tmp = dir.join("b.tmp");
        std::fs::write(&tmp, &b_bytes).unwrap();
        tmp
    })
    .unwrap();
    std::fs::write(cat.join(parse::to_hex(&b_hash)), &b_bytes).unwrap();
    let p = c(&publisher);
    let a = publish(&p, &usdc, parse::hash_file(&a_file).unwrap(), AssetKind::Dataset);
    let b = publish(&p, &usdc, b_hash, AssetKind::Dataset);
    let model = publish(&p, &usdc, [0x52; 32], AssetKind::Model);
    c(&alice).buy(&a, 1, 1_000_000, 0).unwrap();
    c(&alice).buy(&model, 1, 1_000_000, 0).unwrap();
    c(&bob).buy(&b, 1, 1_000_000, 0).unwrap();

    let manifest = cat.join("catalogue.toml");
    std::fs::write(
        &manifest,
        format!(
            "[[asset]]\naddress = \"{a}\"\nfile = \"a.bin\"\n\n[[asset]]\naddress = \"{b}\"\n\n[[asset]]\naddress = \"{model}\"\nupstream = \"{}\"\n",
            upstream()
        ),
    )
    .unwrap();

    // A file whose hash is not its asset's: the catalogue refuses to start, naming the file,
    // the asset and both hashes.
    let wrong = cat.join("wrong.bin");
    std::fs::write(&wrong, b"not dataset A").unwrap();
    let bad_manifest = cat.join("bad.json");
    std::fs::write(
        &bad_manifest,
        format!("{{\"asset\": [{{\"address\": \"{b}\"}}, {{\"address\": \"{a}\", \"file\": \"wrong.bin\"}}]}}"),
    )
    .unwrap();
    let err = serve(
        &net.url,
        &[
            "--catalogue",
            bad_manifest.to_str().unwrap(),
            "--data-dir",
            dir.join("d0").to_str().unwrap(),
        ],
    )
    .err()
    .expect("a catalogue with a wrong file must refuse to start");
    for part in [
        "refusing to serve".to_string(),
        wrong.display().to_string(),
        a.to_string(),
        parse::to_hex(&parse::hash_file(&wrong).unwrap()),
        parse::to_hex(&parse::hash_file(&a_file).unwrap()),
    ] {
        assert!(err.contains(&part), "`{part}` missing from: {err}");
    }

    // The gate reaches the validator through counting proxies: its JSON-RPC and its websocket.
    let rpc = Proxy::start(net.url.trim_start_matches("http://").to_string());
    let ws_port = net.url.rsplit(':').next().unwrap().parse::<u16>().unwrap() + 1;
    let ws = Proxy::start(format!("127.0.0.1:{ws_port}"));
    let server = serve(
        &format!("http://{}", rpc.addr),
        &[
            "--catalogue",
            manifest.to_str().unwrap(),
            "--ws-url",
            &format!("ws://{}", ws.addr),
            "--data-dir",
            dir.join("d1").to_str().unwrap(),
            "--rehash-interval",
            "1",
        ],
    )
    .unwrap();
    let base = server.1.as_str();
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // One live view for the whole catalogue: once it has synced, a delivery of any of the three
    // assets makes no RPC call, and the gate holds one websocket connection, not one per asset.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        rpc.take();
        for (holder, asset, data) in [(&alice, &a, true), (&bob, &b, true), (&alice, &model, false)] {
            assert_eq!(fetch(&http, base, holder, asset, data).status().as_u16(), 200);
        }
        let calls = rpc.take();
        if calls.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still call the RPC 30 s after start: {calls:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        ws.accepted(),
        1,
        "one websocket connection serves every asset of the catalogue"
    );

    // Each asset to its own holders only.
    let r = fetch(&http, base, &alice, &a, true);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().unwrap().as_ref(), a_bytes.as_slice());
    let r = fetch(&http, base, &bob, &b, true);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().unwrap().as_ref(), b_bytes.as_slice());
    let r = fetch(&http, base, &alice, &model, false);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().unwrap(), "MODEL-OK");
    refused(fetch(&http, base, &bob, &a, true), 403, "no_pass");
    refused(fetch(&http, base, &alice, &b, true), 403, "no_pass");
    refused(fetch(&http, base, &bob, &model, false), 403, "no_pass");
    refused(fetch(&http, base, &carol, &a, true), 403, "no_pass");
    // The route decides the gate: a dataset has no `infer`, a model no `data`.
    refused(fetch(&http, base, &alice, &a, false), 404, "not_a_model");
    refused(fetch(&http, base, &alice, &model, true), 404, "not_a_dataset");
    // A challenge of one asset does not open another.
    let ch: Value = http
        .get(format!("{base}/v1/assets/{a}/challenge"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let (nonce, expires) = (ch["nonce"].as_str().unwrap(), ch["expiresAt"].as_i64().unwrap());
    let sig = proof::sign(&bob, "data.test", &b, nonce, expires);
    let r = http
        .get(format!("{base}/v1/assets/{b}/data"))
        .header(proof::HOLDER_HEADER, bob.pubkey().to_string())
        .header(proof::NONCE_HEADER, nonce)
        .header(proof::SIGNATURE_HEADER, sig.to_string())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "a nonce of asset A used at asset B");
    // An asset not in the catalogue: the gate's 404.
    let other = Pubkey::new_unique();
    refused(
        http.get(format!("{base}/v1/assets/{other}/challenge")).send().unwrap(),
        404,
        "unknown_asset",
    );
    refused(http.get(format!("{base}/v1/nothing")).send().unwrap(), 404, "not_found");

    // File A altered while serving: out of service after a re-hash (B still served)...
    let mut altered = a_bytes.clone();
    altered[1234] ^= 0xff;
    std::fs::write(&a_file, &altered).unwrap();
    let r = until_status(
        || http.get(format!("{base}/v1/assets/{a}/challenge")).send().unwrap(),
        503,
    );
    refused(r, 503, "content_mismatch");
    let r = http
        .get(format!("{base}/v1/assets/{a}/data"))
        .header(proof::HOLDER_HEADER, alice.pubkey().to_string())
        .send()
        .unwrap();
    let body = r.bytes().unwrap();
    assert!(
        !body.windows(64).any(|w| altered.windows(64).next() == Some(w)),
        "nothing of the file is sent while it is out of service"
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"], "content_mismatch");
    assert_eq!(fetch(&http, base, &bob, &b, true).status().as_u16(), 200);
    // ... and served again once restored.
    std::fs::write(&a_file, &a_bytes).unwrap();
    until_status(
        || http.get(format!("{base}/v1/assets/{a}/challenge")).send().unwrap(),
        200,
    );
    let r = fetch(&http, base, &alice, &a, true);
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().unwrap().as_ref(), a_bytes.as_slice());

    drop(server);
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
