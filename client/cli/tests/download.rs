//! `tessera download` against the real local validator and a real `tessera serve` gate: a holder
//! downloads and the hash matches; an interrupted download (a `.part` with the first half)
//! resumes with a range request; a non-holder and a revoked holder are refused with the access
//! rule's reason; bytes that differ from the content hash are detected and nothing is kept.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    parse,
    registry::{
        instructions::{InitializeConfigArgs, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::state::RecipientInput,
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, TestChain};

/// The gate's domain in these tests (its challenges name it; the client is told with --domain).
const DOMAIN: &str = "data.test";

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

/// Starts `tessera serve --asset ASSET --file FILE`; waits for its start line.
fn serve(url: &str, asset: &Pubkey, file: &Path, data_dir: &Path) -> Server {
    let bind = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--url", url, "serve", "--bind", &bind, "--domain", DOMAIN])
        .args(["--asset", &asset.to_string(), "--file", file.to_str().unwrap()])
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("tessera serve:"), "the gate did not start: {line}");
    Server(child, format!("http://{bind}"))
}

/// A TCP proxy to `gate` (e.g. `http://127.0.0.1:PORT`) that cuts the connection of the first
/// whole-file data request (no range) after `cut_after` bytes of its answer; everything else
/// goes through. Returns the proxy's base URL.
fn cutting_proxy(gate: &str, cut_after: usize) -> String {
    let upstream = gate.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let armed = Arc::new(AtomicBool::new(true));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let cut = Arc::new(AtomicBool::new(false));
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (armed, cut_up) = (armed.clone(), cut.clone());
            // client → gate: arms the cut on the first whole-file data request.
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 16_384];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                    if text.contains("/data ") && !text.contains("\r\nrange:") && armed.swap(false, Ordering::SeqCst) {
                        cut_up.store(true, Ordering::SeqCst);
                    }
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = s_write.shutdown(Shutdown::Write);
            });
            // gate → client: after the cut is armed, forwards `cut_after` bytes, then closes both.
            let (mut s_read, mut c_write) = (server, client);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 16_384];
                let mut sent_after_cut = 0usize;
                while let Ok(n) = s_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut n = n;
                    if cut.load(Ordering::SeqCst) {
                        n = n.min(cut_after - sent_after_cut);
                        sent_after_cut += n;
                    }
                    if c_write.write_all(&buf[..n]).is_err()
                        || (cut.load(Ordering::SeqCst) && sent_after_cut >= cut_after)
                    {
                        break;
                    }
                }
                let _ = c_write.shutdown(Shutdown::Both);
                let _ = s_read.shutdown(Shutdown::Both);
            });
        }
    });
    format!("http://{addr}")
}

/// `tessera --url URL --keypair KEYPAIR ARGS…`.
fn tessera(url: &str, keypair: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--url", url, "--keypair", keypair.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

/// The JSON printed on stdout.
fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A refused run: exit code 1, the JSON error's message (also on stderr).
#[track_caller]
fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let message = json(out)["error"]["message"].as_str().unwrap().to_string();
    assert!(String::from_utf8_lossy(&out.stderr).contains(&message));
    message
}

fn part(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.part", file.display()))
}

fn publish(t: &Tessera, mint: &Pubkey, hash: [u8; 32]) -> Pubkey {
    t.publish(
        mint,
        None,
        PublishAssetArgs {
            kind: AssetKind::Dataset,
            content_hash: hash,
            uri: "ar://download-test".into(),
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

#[test]
fn a_holder_downloads_resumes_and_verifies() {
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("download-test", Duration::from_secs(180));
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
    let path = |name: &str, k: &Keypair| {
        let p = dir.join(format!("{name}.json"));
        write_keypair_file(k, &p).unwrap();
        p
    };
    let (alice_path, bob_path, carol_path) = (path("alice", &alice), path("bob", &bob), path("carol", &carol));
    for k in [&publisher, &alice, &bob, &carol] {
        boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
        boss.mint_to(&usdc, &k.pubkey(), 100_000_000).unwrap();
    }
    // A 1 MiB dataset (plus a few bytes: the halves differ).
    let content: Vec<u8> = (0..1_048_583u32).map(|i| (i.wrapping_mul(7) % 251) as u8).collect();
    let served = dir.join("served.bin");
    std::fs::write(&served, &content).unwrap();
    let hash = parse::hash_file(&served).unwrap();
    let hex = parse::to_hex(&hash);
    let p = c(&publisher);
    let dataset = publish(&p, &usdc, hash);
    c(&alice).buy(&dataset, 1, 1_000_000, 0).unwrap();
    c(&carol).buy(&dataset, 1, 1_000_000, 0).unwrap();
    p.revoke(&dataset, &carol.pubkey(), 9).unwrap();
    let gate = serve(&net.url, &dataset, &served, &dir.join("gate-data"));
    let asset = dataset.to_string();
    let download = |keypair: &Path, out: &Path, extra: &[&str]| {
        let mut args = vec!["--output", "json", "download", &asset, "--gate", &gate.1, "-o"];
        args.push(out.to_str().unwrap());
        args.extend(extra);
        tessera(&net.url, keypair, &args)
    };
    let with_domain = ["--domain", DOMAIN];

    // A holder downloads; the hash matches the on-chain content hash.
    let out = dir.join("a.bin");
    let v = json(&download(&alice_path, &out, &with_domain));
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["bytes"], content.len() as u64);
    assert_eq!(v["sha256"], hex.as_str());
    assert_eq!(v["resumedFrom"], 0);
    assert_eq!(v["transferred"], content.len() as u64);
    assert_eq!(v["requests"], 1);
    assert_eq!(std::fs::read(&out).unwrap(), content);
    assert!(!part(&out).exists(), "the .part is renamed to the file");
    // FILE exists now: not overwritten.
    let msg = failed(&download(&alice_path, &out, &with_domain));
    assert!(msg.contains("already exists"), "{msg}");

    // Human output (the progress indicator draws only on a terminal: stderr stays quiet here).
    let out_h = dir.join("h.bin");
    let human = tessera(
        &net.url,
        &alice_path,
        &[
            "download",
            &asset,
            "--gate",
            &gate.1,
            "-o",
            out_h.to_str().unwrap(),
            "--domain",
            DOMAIN,
        ],
    );
    assert!(human.status.success(), "{}", String::from_utf8_lossy(&human.stderr));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("content hash  verified"), "{text}");
    assert!(text.contains(&format!("sha256        {hex}")), "{text}");

    // An interrupted download: the .part holds the first half; the rest comes with a range
    // request (a fresh challenge), and the whole is verified.
    let half = content.len() / 2;
    let out_r = dir.join("r.bin");
    std::fs::write(part(&out_r), &content[..half]).unwrap();
    let v = json(&download(&alice_path, &out_r, &with_domain));
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["resumedFrom"], half as u64);
    assert_eq!(v["transferred"], (content.len() - half) as u64);
    assert_eq!(v["bytes"], content.len() as u64);
    assert_eq!(std::fs::read(&out_r).unwrap(), content);
    assert!(!part(&out_r).exists());
    // The bytes already in the .part count in the hash (they are not fetched again): a .part
    // whose first half is wrong is a mismatch, and nothing is kept.
    let out_bad_part = dir.join("bp.bin");
    std::fs::write(part(&out_bad_part), vec![0u8; half]).unwrap();
    let msg = failed(&download(&alice_path, &out_bad_part, &with_domain));
    assert!(msg.contains("SHA-256 mismatch") && msg.contains(&hex), "{msg}");
    assert!(!out_bad_part.exists() && !part(&out_bad_part).exists(), "{msg}");
    // A transfer cut mid-way: the same run asks a fresh challenge and the rest with a range
    // request, and verifies the whole.
    let proxy = cutting_proxy(&gate.1, 300_000);
    let out_cut = dir.join("cut.bin");
    let mut args = vec!["--output", "json", "download", &asset, "--gate", &proxy, "-o"];
    args.push(out_cut.to_str().unwrap());
    args.extend(with_domain);
    let v = json(&tessera(&net.url, &alice_path, &args));
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["requests"], 2, "one retry after the cut: {v}");
    assert_eq!(v["resumedFrom"], 0);
    assert_eq!(v["transferred"], content.len() as u64);
    assert_eq!(std::fs::read(&out_cut).unwrap(), content);
    // A complete .part (the rename was missed): the gate answers 416 and the bytes are verified.
    let out_full = dir.join("full.bin");
    std::fs::write(part(&out_full), &content).unwrap();
    let v = json(&download(&alice_path, &out_full, &with_domain));
    assert_eq!(
        (v["verified"].clone(), v["transferred"].clone()),
        (Value::Bool(true), 0.into()),
        "{v}"
    );
    assert_eq!(std::fs::read(&out_full).unwrap(), content);

    // Refusals name the access rule's reason and the gate's code; nothing is written.
    let out_b = dir.join("b.bin");
    let msg = failed(&download(&bob_path, &out_b, &with_domain));
    assert!(msg.contains("NoPass") && msg.contains("403 no_pass"), "{msg}");
    assert!(msg.contains(&bob.pubkey().to_string()), "{msg}");
    assert!(!out_b.exists() && !part(&out_b).exists());
    let msg = failed(&download(&carol_path, &out_b, &with_domain));
    assert!(msg.contains("PassRevoked") && msg.contains("403 pass_revoked"), "{msg}");
    assert!(!out_b.exists() && !part(&out_b).exists());

    // A gate whose challenge names another domain than the URL's: the wallet does not sign.
    let msg = failed(&download(&alice_path, &out_b, &[]));
    assert!(
        msg.contains("domain `data.test`") && msg.contains("pass --domain data.test"),
        "{msg}"
    );
    // A bad --gate value and an unreachable gate are named.
    let mut bad = vec!["--output", "json", "download", &asset, "--gate", "data.test", "-o"];
    bad.push(out_b.to_str().unwrap());
    let msg = failed(&tessera(&net.url, &alice_path, &bad));
    assert!(msg.contains("invalid --gate `data.test`"), "{msg}");
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let mut bad = vec!["--output", "json", "download", &asset, "--gate", &nowhere, "-o"];
    bad.push(out_b.to_str().unwrap());
    let msg = failed(&tessera(&net.url, &alice_path, &bad));
    assert!(msg.contains(&format!("cannot reach the gate at `{nowhere}`")), "{msg}");
    assert!(!out_b.exists() && !part(&out_b).exists());

    // The gate checked its file's hash when it started; the file changes under it (same length,
    // other bytes): the client detects the mismatch, names both hashes and keeps nothing.
    let mut tampered = content.clone();
    tampered[half] ^= 0xff;
    std::fs::write(&served, &tampered).unwrap();
    let out_t = dir.join("t.bin");
    let msg = failed(&download(&alice_path, &out_t, &with_domain));
    let got = parse::to_hex(&parse::hash_file(&served).unwrap());
    assert!(msg.contains("SHA-256 mismatch"), "{msg}");
    assert!(msg.contains(&hex) && msg.contains(&got), "both hashes are named: {msg}");
    assert!(!out_t.exists() && !part(&out_t).exists(), "nothing kept: {msg}");

    drop(gate);
    let _ = std::fs::remove_dir_all(&dir);
}
