//! Malformed input, fuzzed: the `tessera` binary's arguments and the access gate's requests.
//!
//! - `cli_*`: the real binary with bad arguments (no validator: every one is refused before
//!   anything is sent): exit code 1 (2 for clap's own usage errors), a one-line `error: …` that
//!   names the bad value, never a panic. Hand-picked cases for representative commands plus
//!   properties over junk `--split`, `--parents`, `--duration`, `--hash` and `--license` values.
//! - `gate_*`: the real `tessera serve` (on a real local validator, `tessera_client::localnet`)
//!   spoken to over raw TCP so that anything can be sent: random methods, routes, asset ids
//!   (percent-encoded unicode, invalid UTF-8, 10 kB), proof headers (absent, junk, non-ASCII
//!   bytes, random base58 keys and signatures, real and replayed nonces, someone else's
//!   signature), bodies (junk, bad JSON, over the limit, truncated), oversized headers.
//!   Every answer is a 4xx whose body is the gate's JSON refusal `{"error", "message"}` naming
//!   the bad value where there is one — never a 5xx, never content; the server log never shows
//!   a panic and the server still answers afterwards.
//!
//! Case counts are fixed (`CLI_CASES` per CLI property, `GATE_CASES` random requests per gate
//! property) with a fixed seed; `TESSERA_FUZZ_CASES=N` / `TESSERA_FUZZ_SEED=N` change them.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use proptest::{
    prelude::*,
    test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner},
};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signature::Signature;
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
use tessera_dev::{DevFlows, Localnet};

const CLI_CASES: u32 = 24;
const GATE_CASES: u32 = 200;
const SEED: u64 = 0x6a7e_f022;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: env_u64("TESSERA_FUZZ_CASES").map_or(cases, |n| n as u32),
        rng_seed: RngSeed::Fixed(env_u64("TESSERA_FUZZ_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A fresh directory: unique per call, since the tests of this binary run in parallel threads
/// of one process (a shared one had two tests write the same wallet file at once).
fn tmp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tessera-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ------------------------------------------------------------------------------------------
// The CLI
// ------------------------------------------------------------------------------------------

/// Nothing listens there: a command that got past its argument checks would fail with an RPC
/// error instead of the expected message.
const DEAD_URL: &str = "http://127.0.0.1:9";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tessera(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .output()
        .expect("run tessera");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Refused by the command itself: exit 1, one `error: …` line naming `needle`; with `--output
/// json`, `{"error": {"kind": "invalid", …}}` on stdout.
#[track_caller]
fn refused(r: &Run, needle: &str) {
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    assert_eq!(r.code, 1, "exit code; stderr: {}", r.stderr);
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.trim_end().lines().count() == 1,
        "one error line: {:?}",
        r.stderr
    );
    assert!(r.stderr.contains(needle), "expected `{needle}` in {:?}", r.stderr);
    if !r.stdout.trim().is_empty() {
        let v: Value =
            serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("stdout not JSON ({e}): {}", r.stdout));
        assert_eq!(v["error"]["kind"], "invalid", "{}", r.stdout);
        assert!(v["error"]["message"].as_str().unwrap().contains(needle));
    }
}

/// Refused by clap (usage): exit 2, the bad value named, no panic.
#[track_caller]
fn usage(r: &Run, needle: &str) {
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    assert_eq!(r.code, 2, "exit code; stderr: {}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{:?}", r.stderr);
    assert!(r.stderr.contains(needle), "expected `{needle}` in {:?}", r.stderr);
}

struct Cli {
    keypair: String,
    hash: String,
    mint: String,
}

impl Cli {
    fn new() -> Self {
        let dir = tmp_dir("cli-fuzz");
        let kp = dir.join("wallet.json");
        write_keypair_file(&Keypair::new(), &kp).unwrap();
        Cli {
            keypair: kp.to_str().unwrap().into(),
            hash: "ab".repeat(32),
            mint: Pubkey::new_unique().to_string(),
        }
    }

    /// `tessera --url DEAD --keypair W --output json publish KIND --hash H --uri U --price 1 --mint M EXTRA…`
    fn publish(&self, kind: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "--url",
            DEAD_URL,
            "--keypair",
            &self.keypair,
            "--output",
            "json",
            "publish",
            kind,
        ];
        if !extra.iter().any(|a| a.starts_with("--hash")) {
            args.extend(["--hash", &self.hash]);
        }
        if !extra.iter().any(|a| a.starts_with("--uri")) {
            args.extend(["--uri", "ar://fuzz"]);
        }
        args.extend(["--price", "1"]);
        if !extra.iter().any(|a| a.starts_with("--mint")) {
            args.extend(["--mint", &self.mint]);
        }
        args.extend(extra);
        tessera(&args)
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--url", DEAD_URL, "--keypair", &self.keypair];
        all.extend(args);
        tessera(&all)
    }
}

#[test]
fn cli_refuses_bad_arguments_naming_them() {
    let cli = Cli::new();
    let a = Pubkey::new_from_array([1; 32]).to_string();
    let b = Pubkey::new_from_array([2; 32]).to_string();
    let asset = Keypair::new().pubkey().to_string();

    // Addresses.
    refused(
        &cli.publish("dataset", &["--mint", "not-a-mint"]),
        "invalid mint `not-a-mint`",
    );
    refused(&cli.publish("dataset", &["--mint", "ñ"]), "invalid mint `ñ`");
    refused(
        &cli.publish("dataset", &["--previous", "0x00"]),
        "invalid previous asset `0x00`",
    );
    refused(&cli.run(&["buy", "buy-me"]), "invalid asset `buy-me`");
    refused(&cli.run(&["redeem", ""]), "invalid asset ``");
    refused(&cli.run(&["revoke", &asset, "holder?"]), "invalid holder `holder?`");
    refused(
        &cli.run(&["delist", &asset[..20]]),
        &format!("invalid asset `{}`", &asset[..20]),
    );
    refused(
        &cli.run(&["royalties", "update-split", "x", "--recipients", &format!("{a}:10000")]),
        "invalid split `x`",
    );
    refused(
        &cli.run(&["serve", "--asset", "no", "--file", "/dev/null"]),
        "invalid asset `no`",
    );
    // Splits.
    refused(
        &cli.publish("dataset", &["--split", &format!("{a}:7000,{b}:2000")]),
        "sum to 9000",
    );
    refused(
        &cli.publish("dataset", &["--split", &format!("{a}:10000.5")]),
        "`10000.5`",
    );
    refused(
        &cli.publish("dataset", &["--split", &format!("{a}:5000,{a}:5000")]),
        &format!("{a} appears twice"),
    );
    refused(&cli.publish("dataset", &["--split", &format!("{a}:-1")]), "`-1`");
    // A value that looks like a flag: clap names it (use `--duration=-5` to pass it).
    usage(&cli.publish("dataset", &["--duration", "-5"]), "'-5'");
    refused(&cli.publish("dataset", &["--split", ""]), "invalid split ``");
    refused(
        &cli.publish("dataset", &["--split", &format!("{a}=10000")]),
        "ADDRESS:BPS",
    );
    refused(
        &cli.run(&[
            "royalties",
            "update-split",
            &asset,
            "--recipients",
            &format!("{a}:99999999999999999999"),
        ]),
        "`99999999999999999999`",
    );
    // Parents.
    refused(
        &cli.publish("model", &["--parents", &format!("{a}:5001")]),
        "at most 5000",
    );
    refused(&cli.publish("model", &["--parents", "nope:100"]), "`nope`");
    refused(
        &cli.publish("dataset", &["--parents", &format!("{a}:100")]),
        "--parents is for models only",
    );
    // Durations, hashes, license flags, URI.
    for d in ["1w", "-5", "1.5h", "99999999999999999999d", "forever", ""] {
        refused(
            &cli.publish("dataset", &[&format!("--duration={d}")]),
            &format!("invalid duration `{d}`"),
        );
    }
    for h in [
        "xyz",
        "",
        &"ab".repeat(33),
        &"é".repeat(32),
        &format!("0x{}", "ab".repeat(31)),
    ] {
        refused(&cli.publish("dataset", &["--hash", h]), &format!("invalid hash `{h}`"));
    }
    refused(
        &cli.publish("dataset", &["--license", "commercial,GPL"]),
        "invalid license flag `GPL`",
    );
    refused(&cli.publish("dataset", &["--uri", ""]), "invalid --uri ``");
    refused(
        &cli.publish("dataset", &["--uri", &"u".repeat(201)]),
        "expected 1 to 200 bytes",
    );
    usage(
        &cli.publish("dataset", &["--hash", &cli.hash, "--file", "/nonexistent"]),
        "cannot be used with",
    );
    // Connection flags.
    refused(
        &tessera(&["--url", "ftp://x", "assets", "list"]),
        "invalid --url `ftp://x`",
    );
    refused(
        &tessera(&["--url", DEAD_URL, "--commitment", "eventually", "assets", "list"]),
        "invalid commitment `eventually`",
    );
    refused(
        &tessera(&[
            "--url",
            DEAD_URL,
            "--keypair",
            "/nonexistent/wallet.json",
            "buy",
            &asset,
        ]),
        "cannot read keypair `/nonexistent/wallet.json`",
    );

    // clap's own checks: numbers, ranges, enums, addresses to bind.
    usage(&cli.publish("dataset", &["--supply=-5"]), "'-5'");
    usage(&cli.publish("dataset", &["--supply", "1e9"]), "'1e9'");
    usage(
        &cli.publish("dataset", &["--supply", "18446744073709551616"]),
        "'18446744073709551616'",
    );
    usage(&cli.publish("model", &["--inference-royalty-bps", "70000"]), "'70000'");
    usage(&cli.run(&["buy", &asset, "--quantity", "two"]), "'two'");
    usage(&cli.run(&["revoke", &asset, &a, "--reason", "65536"]), "'65536'");
    usage(
        &cli.run(&["serve", "--asset", &asset, "--file", "/dev/null", "--nonce-ttl", "301"]),
        "'301'",
    );
    usage(
        &cli.run(&["serve", "--asset", &asset, "--file", "/dev/null", "--bind", "localhost"]),
        "'localhost'",
    );
    usage(&cli.run(&["--output", "xml", "assets", "list"]), "'xml'");
    usage(&cli.run(&["publish", "song"]), "'song'");
    // The "still refused by a copy of the assertion" check: a needle that is not there fails.
    assert!(std::panic::catch_unwind(|| refused(&cli.run(&["buy", "buy-me"]), "`something-else`")).is_err());
}

/// Junk that can be an argument: no NUL (no OS argument holds one) and no control characters
/// (the CLI's one-line error would echo them; the parsers' own tests cover them).
fn arg_junk() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,60}", "[0-9a-zA-Z:, .+-]{0,80}",]
        .prop_map(|s| s.chars().filter(|c| !c.is_control()).collect())
}

/// Runs `TestRunner` with the fixed config over `strategy`, failing the test on the first
/// (shrunk) failure.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

#[test]
fn cli_junk_values_are_refused_naming_them() {
    let cli = Cli::new();
    // Only values the parser refuses: a valid one would get as far as the (dead) RPC.
    check(
        CLI_CASES,
        arg_junk().prop_filter("invalid split", |s| parse::split(s).is_err()),
        |s| {
            let r = cli.publish("dataset", &[&format!("--split={s}")]);
            let msg = parse::split(&s).unwrap_err().to_string();
            refused(&r, &msg);
            Ok(())
        },
    );
    check(
        CLI_CASES,
        arg_junk().prop_filter("invalid parents", |s| parse::parents(s).is_err()),
        |s| {
            refused(
                &cli.publish("model", &[&format!("--parents={s}")]),
                &parse::parents(&s).unwrap_err().to_string(),
            );
            Ok(())
        },
    );
    check(
        CLI_CASES,
        arg_junk().prop_filter("invalid duration", |s| parse::duration(s).is_err()),
        |s| {
            refused(
                &cli.publish("dataset", &[&format!("--duration={s}")]),
                &format!("invalid duration `{s}`"),
            );
            Ok(())
        },
    );
    check(
        CLI_CASES,
        prop_oneof![arg_junk(), "[0-9a-fA-F]{60,70}", "[0-9a-f\\PC]{32,64}"]
            .prop_filter("invalid hash", |s| parse::hash_hex(s).is_err()),
        |s| {
            refused(
                &cli.publish("dataset", &[&format!("--hash={s}")]),
                &format!("invalid hash `{s}`"),
            );
            Ok(())
        },
    );
    check(
        CLI_CASES,
        arg_junk().prop_filter("invalid license", |s| parse::license_flags(s).is_err()),
        |s| {
            refused(
                &cli.publish("dataset", &[&format!("--license={s}")]),
                &parse::license_flags(&s).unwrap_err().to_string(),
            );
            Ok(())
        },
    );
    check(
        CLI_CASES,
        arg_junk().prop_filter("invalid address", |s| parse::pubkey("asset", s).is_err()),
        |s| {
            refused(&cli.run(&["buy", "--", &s]), &format!("invalid asset `{s}`"));
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------
// The access gate
// ------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    #[track_caller]
    fn assert_healthy(&mut self) {
        let log = self.log();
        assert!(!log.contains("panicked"), "the gate panicked:\n{log}");
        assert!(self.child.try_wait().unwrap().is_none(), "the gate exited:\n{log}");
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `tessera serve ARGS…`, its log (stderr) in a file, and waits for its start line.
fn serve(url: &str, dir: &Path, name: &str, args: &[&str]) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let log = dir.join(format!("{name}.log"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "--url",
            url,
            "serve",
            "--bind",
            &addr,
            "--domain",
            "fuzz.test",
            "--data-dir",
        ])
        .arg(dir.join(name))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("tessera serve:"),
        "{name} did not start: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    Server { child, addr, log }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Resp {
    /// The gate's JSON refusal: (code, message).
    #[track_caller]
    fn refusal(&self) -> (String, String) {
        let v: Value = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} with a body that is not the gate's JSON ({e}): {:?}\n{}",
                self.status,
                String::from_utf8_lossy(&self.body),
                self.head
            )
        });
        let code = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {v}"))
            .to_string();
        let message = v["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message: {v}"))
            .to_string();
        assert!(!message.trim().is_empty(), "empty message: {v}");
        (code, message)
    }
}

/// Sends raw bytes as one request on a fresh connection and reads the answer to EOF
/// (`Connection: close`). `half_close`: shut down our side after sending (a truncated request).
fn raw(addr: &str, req: &[u8], half_close: bool) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // Written from another thread while this one reads: the server may answer (413) and close
    // before reading it all.
    let mut w = s.try_clone().unwrap();
    let req = req.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&req);
        if half_close {
            let _ = w.shutdown(Shutdown::Write);
        }
    });
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let _ = writer.join();
    if buf.is_empty() {
        return None;
    }
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut body = buf[split + 4..].to_vec();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(p) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&rest[..p]).trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[p + 2..p + 2 + n]);
            rest = &rest[p + 2 + n + 2..];
        }
        body = out;
    }
    Some(Resp { status, head, body })
}

fn request(method: &str, path: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: fuzz.test\r\nconnection: close\r\n").into_bytes();
    for (k, v) in headers {
        r.extend_from_slice(k.as_bytes());
        r.extend_from_slice(b": ");
        r.extend_from_slice(v);
        r.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || method == "POST" {
        r.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A fresh challenge: (nonce, expiry).
fn challenge(addr: &str, asset: &Pubkey) -> (String, i64) {
    let r = raw(
        addr,
        &request("GET", &format!("/v1/assets/{asset}/challenge"), &[], b""),
        false,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    (
        v["nonce"].as_str().unwrap().to_string(),
        v["expiresAt"].as_i64().unwrap(),
    )
}

/// What a generated request sends for one proof header.
#[derive(Debug, Clone)]
enum H {
    Absent,
    /// Visible ASCII (what an HTTP header can carry as text).
    Junk(String),
    /// Bytes ≥ 0x80 (obs-text: a valid header, not text).
    Binary(Vec<u8>),
    /// A well-formed but unrelated base58 value (a random key or signature).
    Random([u8; 32]),
    /// The real thing (holder: the buyer; nonce: freshly issued; signature: the holder's).
    Real,
    /// Nonce: one already used. Signature: signed by someone else.
    Other,
}

fn header_value() -> impl Strategy<Value = H> {
    prop_oneof![
        1 => Just(H::Absent),
        2 => prop_oneof!["", "[!-~]", "[!-~][ -~]{0,80}[!-~]", "[1-9A-HJ-NP-Za-km-z]{30,100}"].prop_map(H::Junk),
        1 => proptest::collection::vec(0x80u8..=0xff, 1..20).prop_map(H::Binary),
        1 => any::<[u8; 32]>().prop_map(H::Random),
        3 => Just(H::Real),
        1 => Just(H::Other),
    ]
}

#[derive(Debug, Clone)]
enum Seg {
    Real,
    /// URL-safe junk, sent as is.
    Plain(String),
    /// Any unicode, percent-encoded.
    Encoded(String),
    /// Percent-encoded bytes that are not UTF-8.
    NotUtf8(Vec<u8>),
}

fn segment() -> impl Strategy<Value = Seg> {
    prop_oneof![
        8 => Just(Seg::Real),
        2 => "[A-Za-z0-9._~-]{1,60}".prop_map(Seg::Plain),
        2 => any::<String>().prop_filter("not empty", |s| !s.is_empty()).prop_map(Seg::Encoded),
        1 => proptest::collection::vec(0x80u8..=0xff, 1..8).prop_map(Seg::NotUtf8),
        1 => (100usize..10_000).prop_map(|n| Seg::Plain("A".repeat(n))),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![]),
        proptest::collection::vec(any::<u8>(), 1..2_000),
        prop_oneof![
            Just("{\"prompt\":"),
            Just("{]"),
            Just("null"),
            Just("{\"prompt\": \"\u{0}\"}"),
            Just("[[[[[[[[[[[[[[")
        ]
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

#[derive(Debug, Clone)]
struct Req {
    /// Most requests go to the gate's delivering route with its method (the proof checks);
    /// the others use `method` and `route`.
    target: bool,
    method: &'static str,
    route: &'static str,
    asset: Seg,
    holder: H,
    nonce: H,
    signature: H,
    body: Vec<u8>,
    extra: Vec<(String, String)>,
}

fn req() -> impl Strategy<Value = Req> {
    (
        prop::bool::weighted(0.7),
        prop::sample::select(vec![
            "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW",
        ]),
        prop::sample::select(vec![
            "challenge",
            "data",
            "infer",
            "infer",
            "data/extra",
            "",
            "Challenge",
        ]),
        segment(),
        (header_value(), header_value(), header_value()),
        body(),
        proptest::collection::vec(
            (
                prop::sample::select(vec![
                    "content-type",
                    "range",
                    "x-tessera-redeem",
                    "x-forwarded-for",
                    "accept",
                ]),
                "[!-~][ -~]{0,40}",
            ),
            0..3,
        )
        .prop_map(|v| v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
    )
        .prop_map(
            |(target, method, route, asset, (holder, nonce, signature), body, extra)| Req {
                target,
                method,
                route,
                asset,
                holder,
                nonce,
                signature,
                body,
                extra,
            },
        )
}

struct Gate<'a> {
    server: &'a Server,
    asset: Pubkey,
    /// The holder with a valid pass.
    holder: &'a Keypair,
    /// A nonce already used once.
    used_nonce: (String, i64),
    /// What the gate delivers at the real route to a valid proof (a `content` marker).
    secret: &'a [u8],
    /// `data` (dataset) or `infer` (model).
    delivers: &'static str,
    /// How many answers of each kind (status and code), printed at the end.
    seen: std::cell::RefCell<std::collections::BTreeMap<String, u32>>,
}

impl Gate<'_> {
    fn send(&self, r: &Req) -> Result<(), TestCaseError> {
        let mut r = r.clone();
        if r.target {
            r.route = self.delivers;
            r.method = if self.delivers == "infer" { "POST" } else { "GET" };
        }
        let r = &r;
        let path_asset = match &r.asset {
            Seg::Real => self.asset.to_string(),
            Seg::Plain(s) => s.clone(),
            Seg::Encoded(s) => pct(s),
            Seg::NotUtf8(b) => b.iter().map(|x| format!("%{x:02X}")).collect(),
        };
        let path = if r.route.is_empty() {
            format!("/v1/assets/{path_asset}")
        } else {
            format!("/v1/assets/{path_asset}/{}", r.route)
        };
        let (nonce, expires) = match r.nonce {
            H::Real => challenge(&self.server.addr, &self.asset),
            _ => self.used_nonce.clone(),
        };
        let sign = |k: &Keypair| {
            proof::sign(k, "fuzz.test", &self.asset, &nonce, expires)
                .to_string()
                .into_bytes()
        };
        let value = |h: &H, real: Vec<u8>, other: Vec<u8>| -> Option<Vec<u8>> {
            match h {
                H::Absent => None,
                H::Junk(s) => Some(s.clone().into_bytes()),
                H::Binary(b) => Some(b.clone()),
                H::Random(k) => Some(Pubkey::new_from_array(*k).to_string().into_bytes()),
                H::Real => Some(real),
                H::Other => Some(other),
            }
        };
        let mut headers = vec![];
        let random_sig = |k: &[u8; 32]| {
            let mut b = [0u8; 64];
            b[..32].copy_from_slice(k);
            b[32..].copy_from_slice(k);
            Signature::from(b).to_string().into_bytes()
        };
        let holder = value(
            &r.holder,
            self.holder.pubkey().to_string().into_bytes(),
            Keypair::new().pubkey().to_string().into_bytes(),
        );
        let nonce_v = value(&r.nonce, nonce.clone().into_bytes(), nonce.clone().into_bytes());
        let sig = match &r.signature {
            H::Random(k) => Some(random_sig(k)),
            h => value(h, sign(self.holder), sign(&Keypair::new())),
        };
        for (name, v) in [
            (proof::HOLDER_HEADER, &holder),
            (proof::NONCE_HEADER, &nonce_v),
            (proof::SIGNATURE_HEADER, &sig),
        ] {
            if let Some(v) = v {
                headers.push((name.to_string(), v.clone()));
            }
        }
        for (k, v) in &r.extra {
            headers.push((k.clone(), v.clone().into_bytes()));
        }
        let resp = raw(&self.server.addr, &request(r.method, &path, &headers, &r.body), false)
            .ok_or_else(|| TestCaseError::fail("no answer"))?;
        let code = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string));
        let code = if r.method == "HEAD" {
            "(HEAD)".to_string()
        } else {
            code.unwrap_or_default()
        };
        *self
            .seen
            .borrow_mut()
            .entry(format!("{} {code}", resp.status))
            .or_default() += 1;

        // A valid proof at the delivering route may be served; nothing else may.
        let valid_route = matches!(r.asset, Seg::Real)
            && r.route == self.delivers
            && ((r.method == "POST") == (self.delivers == "infer") || (r.method == "HEAD" && self.delivers == "data"));
        let fully_valid =
            valid_route && matches!(r.holder, H::Real) && matches!(r.nonce, H::Real) && matches!(r.signature, H::Real);
        let challenge_ok =
            matches!(r.asset, Seg::Real) && r.route == "challenge" && (r.method == "GET" || r.method == "HEAD");
        if challenge_ok {
            prop_assert!(resp.status == 200, "{r:?} → {resp:?}");
            return Ok(());
        }
        if fully_valid {
            // Delivered (or a 416 for a junk Range header): never a server error.
            prop_assert!(resp.status < 500, "{r:?} → {resp:?}");
            return Ok(());
        }
        prop_assert!(
            (400..500).contains(&resp.status),
            "expected a 4xx for {r:?}, got {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        );
        prop_assert!(
            !resp.body.windows(self.secret.len()).any(|w| w == self.secret),
            "content on a refusal"
        );
        if r.method == "HEAD" {
            return Ok(());
        }
        let (code, message) = resp.refusal();
        // The message names the bad value where there is one.
        match code.as_str() {
            "unknown_asset" => {
                let shown = match &r.asset {
                    Seg::Plain(s) | Seg::Encoded(s) => s.clone(),
                    Seg::Real => self.asset.to_string(),
                    Seg::NotUtf8(_) => String::new(),
                };
                prop_assert!(message.contains(&format!("`{shown}`")), "{message}");
            }
            "bad_request" => {
                let named = [&holder, &sig, &nonce_v]
                    .into_iter()
                    .flatten()
                    .any(|v| message.contains(&format!("`{}`", String::from_utf8_lossy(v))))
                    || message.contains("X-Tessera-")
                    || matches!(r.asset, Seg::NotUtf8(_));
                prop_assert!(named, "{message}");
            }
            _ => {}
        }
        Ok(())
    }
}

/// A one-shot-per-connection HTTP upstream that answers `MODEL-OUTPUT` plus the body length.
fn upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let mut s = stream;
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 65_536];
            let _ = s.read(&mut buf);
            let body = "MODEL-OUTPUT";
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

#[test]
fn gate_answers_every_malformed_request_with_a_clear_4xx() {
    let dir = tmp_dir("gate-fuzz");
    let admin = Keypair::new();
    let admin_path = dir.join("admin.json");
    write_keypair_file(&admin, &admin_path).unwrap();
    let t0 = std::time::Instant::now();
    let step = |what: &str| eprintln!("[gate_fuzz {:>5.1}s] {what}", t0.elapsed().as_secs_f64());
    let net = Localnet::start(&admin_path, Duration::from_secs(180)).expect("start tessera-localnet");
    step("validator up");
    let c = |k: &Keypair| Tessera::new(&net.url, k.insecure_clone(), CommitmentConfig::confirmed());
    let boss = c(&admin);
    // A validator just started sometimes refuses the first token instruction ("Unsupported
    // program id") for a moment: retry that one.
    let mut tries = 0;
    let usdc = loop {
        match boss.create_mint(6) {
            Ok(m) => break m,
            Err(e) if tries < 10 && e.to_string().contains("Unsupported program id") => {
                step(&format!("create_mint: {e}; retrying"));
                tries += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => panic!("create a mint: {e}"),
        }
    };
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: admin.pubkey(),
        fee_bps: 0,
        payment_mints: vec![usdc],
    })
    .unwrap();
    step("mint and config");
    let alice = Keypair::new();
    boss.transfer_sol(&alice.pubkey(), 1_000_000_000).unwrap();
    boss.mint_to(&usdc, &alice.pubkey(), 100_000_000).unwrap();
    let secret = b"TESSERA-FUZZ-SECRET".to_vec();
    let mut content = secret.clone();
    content.extend((0..4_096u32).map(|i| (i % 251) as u8));
    let file = dir.join("dataset.bin");
    std::fs::write(&file, &content).unwrap();
    let a = c(&alice);
    let publish = |hash: [u8; 32], kind: AssetKind| {
        a.publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind,
                content_hash: hash,
                uri: "ar://gate-fuzz".into(),
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
                    address: alice.pubkey(),
                    bps: 10_000,
                }],
            },
        )
        .unwrap()
        .0
    };
    let dataset = publish(parse::hash_file(&file).unwrap(), AssetKind::Dataset);
    let model = publish([0x77; 32], AssetKind::Model);
    a.buy(&dataset, 3, 1_000_000, 0).unwrap();
    a.buy(&model, 1, 1_000_000, 0).unwrap();
    step("assets published and bought");
    let file_s = file.to_str().unwrap();
    let mut data_gate = serve(
        &net.url,
        &dir,
        "data",
        &["--asset", &dataset.to_string(), "--file", file_s],
    );
    let mut model_gate = serve(
        &net.url,
        &dir,
        "model",
        &["--asset", &model.to_string(), "--upstream", &upstream()],
    );
    let mut consumable = serve(
        &net.url,
        &dir,
        "consumable",
        &["--asset", &dataset.to_string(), "--file", file_s, "--consumable"],
    );

    // One nonce used up by a successful download, for the replay cases.
    let used = challenge(&data_gate.addr, &dataset);
    let sig = proof::sign(&alice, "fuzz.test", &dataset, &used.0, used.1).to_string();
    let proof_headers = |n: &(String, i64), s: &str| {
        vec![
            (
                proof::HOLDER_HEADER.to_string(),
                alice.pubkey().to_string().into_bytes(),
            ),
            (proof::NONCE_HEADER.to_string(), n.0.clone().into_bytes()),
            (proof::SIGNATURE_HEADER.to_string(), s.as_bytes().to_vec()),
        ]
    };
    let ok = raw(
        &data_gate.addr,
        &request(
            "GET",
            &format!("/v1/assets/{dataset}/data"),
            &proof_headers(&used, &sig),
            b"",
        ),
        false,
    )
    .unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, content);
    let used_model = challenge(&model_gate.addr, &model);
    let msig = proof::sign(&alice, "fuzz.test", &model, &used_model.0, used_model.1).to_string();
    let ok = raw(
        &model_gate.addr,
        &request(
            "POST",
            &format!("/v1/assets/{model}/infer"),
            &proof_headers(&used_model, &msig),
            b"{}",
        ),
        false,
    )
    .unwrap();
    assert_eq!((ok.status, ok.body.as_slice()), (200, b"MODEL-OUTPUT".as_slice()));

    step("gates up");
    // Random requests at both gates.
    let dg = Gate {
        server: &data_gate,
        asset: dataset,
        holder: &alice,
        used_nonce: used.clone(),
        secret: &secret,
        delivers: "data",
        seen: Default::default(),
    };
    check(GATE_CASES, req(), |r| dg.send(&r));
    let mg = Gate {
        server: &model_gate,
        asset: model,
        holder: &alice,
        used_nonce: used_model.clone(),
        secret: b"MODEL-OUTPUT",
        delivers: "infer",
        seen: Default::default(),
    };
    check(GATE_CASES, req(), |r| mg.send(&r));
    step(&format!(
        "random requests done; answers (status code: count): data gate {:?}, model gate {:?}",
        dg.seen.borrow(),
        mg.seen.borrow()
    ));

    // Hand-picked.
    let at = |g: &Server, method: &str, path: &str, headers: &[(String, Vec<u8>)], body: &[u8]| {
        raw(&g.addr, &request(method, path, headers, body), false).expect("an answer")
    };
    let refusal = |r: &Resp, status: u16, code: &str, needle: &str| {
        assert_eq!(r.status, status, "{code}: {r:?}");
        let (c, m) = r.refusal();
        assert_eq!(c, code, "{m}");
        assert!(m.contains(needle), "`{needle}` not in {m}");
    };
    let data_path = format!("/v1/assets/{dataset}/data");
    let infer_path = format!("/v1/assets/{model}/infer");
    // Wrong methods: a JSON 405 that says what to use.
    refusal(
        &at(&data_gate, "POST", &data_path, &[], b"x"),
        405,
        "method_not_allowed",
        "GET",
    );
    refusal(
        &at(
            &data_gate,
            "DELETE",
            &format!("/v1/assets/{dataset}/challenge"),
            &[],
            b"",
        ),
        405,
        "method_not_allowed",
        "GET",
    );
    refusal(
        &at(&model_gate, "GET", &infer_path, &[], b""),
        405,
        "method_not_allowed",
        "POST",
    );
    // Asset ids.
    refusal(
        &at(&data_gate, "GET", "/v1/assets/%FF%FE/data", &[], b""),
        400,
        "bad_request",
        "asset",
    );
    refusal(
        &at(
            &data_gate,
            "GET",
            &format!("/v1/assets/{}/data", pct("ñandú")),
            &[],
            b"",
        ),
        404,
        "unknown_asset",
        "`ñandú`",
    );
    refusal(
        &at(&data_gate, "GET", &format!("/v1/assets/{model}/data"), &[], b""),
        404,
        "unknown_asset",
        &model.to_string(),
    );
    refusal(
        &at(&data_gate, "GET", &format!("/v1/assets/{dataset}/infer"), &[], b""),
        405,
        "method_not_allowed",
        "POST",
    );
    refusal(
        &at(&data_gate, "POST", &format!("/v1/assets/{dataset}/infer"), &[], b""),
        404,
        "not_a_model",
        "GET",
    );
    refusal(
        &at(&model_gate, "GET", &format!("/v1/assets/{model}/data"), &[], b""),
        404,
        "not_a_dataset",
        "POST",
    );
    // Headers: present but not text, malformed, someone else's, replayed, expired-looking.
    let mut h = proof_headers(&challenge(&data_gate.addr, &dataset), &sig);
    h[0].1 = vec![0xff, 0xfe];
    refusal(
        &at(&data_gate, "GET", &data_path, &h, b""),
        400,
        "bad_request",
        "X-Tessera-Holder",
    );
    let mut h = proof_headers(&challenge(&data_gate.addr, &dataset), &sig);
    h[2].1 = b"\xc3\xa9".to_vec();
    refusal(
        &at(&data_gate, "GET", &data_path, &h, b""),
        400,
        "bad_request",
        "X-Tessera-Signature",
    );
    let mut h = proof_headers(&challenge(&data_gate.addr, &dataset), &sig);
    h[0].1 = b"11111111111111111111111111111111111".to_vec();
    refusal(
        &at(&data_gate, "GET", &data_path, &h, b""),
        400,
        "bad_request",
        "`11111111111111111111111111111111111`",
    );
    refusal(
        &at(&data_gate, "GET", &data_path, &proof_headers(&used, &sig), b""),
        401,
        "replayed_nonce",
        "already used",
    );
    let fresh = challenge(&data_gate.addr, &dataset);
    refusal(
        &at(
            &data_gate,
            "GET",
            &data_path,
            &proof_headers(&fresh, "not-a-signature"),
            b"",
        ),
        401,
        "bad_signature",
        "signature",
    );
    let fresh = challenge(&data_gate.addr, &dataset);
    let mut h = proof_headers(
        &fresh,
        &proof::sign(&alice, "fuzz.test", &dataset, &fresh.0, fresh.1 + 1).to_string(),
    );
    refusal(
        &at(&data_gate, "GET", &data_path, &h, b""),
        401,
        "bad_signature",
        "signature",
    );
    h[1].1 = "n".repeat(10_000).into_bytes();
    refusal(
        &at(&data_gate, "GET", &data_path, &h, b""),
        401,
        "unknown_nonce",
        "not issued",
    );
    // Oversized and truncated requests.
    let big = vec![b'x'; 3 * 1024 * 1024];
    let fresh_model = challenge(&model_gate.addr, &model);
    let msig = proof::sign(&alice, "fuzz.test", &model, &fresh_model.0, fresh_model.1).to_string();
    let r = at(
        &model_gate,
        "POST",
        &infer_path,
        &proof_headers(&fresh_model, &msig),
        &big,
    );
    refusal(&r, 413, "payload_too_large", "limit");
    refusal(
        &at(&model_gate, "POST", &infer_path, &[], &big),
        413,
        "payload_too_large",
        "limit",
    );
    // A body shorter than its Content-Length, the connection then half-closed: refused without a
    // proof (401) before the body is read; with one, a 400 — or no answer, when the HTTP layer
    // drops a connection that ended mid-request.
    let with_length = |headers: &[(String, Vec<u8>)], len: &str, body: &[u8]| {
        let head = String::from_utf8_lossy(&request("POST", &infer_path, headers, b"")).into_owned();
        assert!(head.contains("content-length: 0\r\n"));
        let mut r = head
            .replace("content-length: 0\r\n", &format!("content-length: {len}\r\n"))
            .into_bytes();
        r.extend_from_slice(body);
        r
    };
    let r = raw(&model_gate.addr, &with_length(&[], "1000", b"{\"prompt\":"), true);
    assert!(r.as_ref().is_none_or(|r| r.status == 401), "{r:?}");
    let fresh_model = challenge(&model_gate.addr, &model);
    let msig = proof::sign(&alice, "fuzz.test", &model, &fresh_model.0, fresh_model.1).to_string();
    let r = raw(
        &model_gate.addr,
        &with_length(&proof_headers(&fresh_model, &msig), "1000", b"{\"prompt\":"),
        true,
    );
    if let Some(r) = r {
        refusal(&r, 400, "bad_request", "truncated");
    }
    // A body that claims more than the limit: 413 at once, nothing read.
    let r = raw(&model_gate.addr, &with_length(&[], "99999999999", b""), false).expect("an answer");
    refusal(&r, 413, "payload_too_large", "limit");
    // Headers past the server's limits: refused by the HTTP layer (4xx), the gate lives on.
    let many: Vec<(String, Vec<u8>)> = (0..200).map(|i| (format!("x-h{i}"), b"v".to_vec())).collect();
    let r = raw(&data_gate.addr, &request("GET", &data_path, &many, b""), false);
    assert!(r.as_ref().is_none_or(|r| (400..500).contains(&r.status)), "{r:?}");
    let huge = vec![(proof::HOLDER_HEADER.to_string(), vec![b'A'; 1_000_000])];
    let r = raw(&data_gate.addr, &request("GET", &data_path, &huge, b""), false);
    assert!(r.as_ref().is_none_or(|r| (400..500).contains(&r.status)), "{r:?}");
    // Not HTTP at all.
    for garbage in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\r\n\r\n",
        b"GET /v1/assets/x/data HTTP/1.1\r\nbad header\r\n\r\n",
    ] {
        let r = raw(&data_gate.addr, garbage, true);
        assert!(
            r.as_ref().is_none_or(|r| (400..500).contains(&r.status)),
            "{garbage:?}: {r:?}"
        );
    }

    step("hand-picked requests done");
    // The consumable gate: a valid proof with a malformed X-Tessera-Redeem.
    let cg = &consumable;
    let with_redeem = |redeem: &[u8]| {
        let n = challenge(&cg.addr, &dataset);
        let s = proof::sign(&alice, "fuzz.test", &dataset, &n.0, n.1).to_string();
        let mut h = proof_headers(&n, &s);
        h.push((proof::REDEEM_HEADER.to_string(), redeem.to_vec()));
        at(cg, "GET", &data_path, &h, b"")
    };
    check(
        CLI_CASES,
        "[!-~]([ -~]{0,100}[!-~])?".prop_filter("not a signature", |s| s.parse::<Signature>().is_err()),
        |s| {
            let r = with_redeem(s.as_bytes());
            prop_assert_eq!(r.status, 400, "{:?}", r);
            let (code, m) = r.refusal();
            prop_assert_eq!(code, "bad_request");
            prop_assert!(m.contains(&format!("`{s}`")), "{}", m);
            Ok(())
        },
    );
    refusal(&with_redeem(&[0xff]), 400, "bad_request", "X-Tessera-Redeem");
    refusal(
        &with_redeem(Signature::from([7u8; 64]).to_string().as_bytes()),
        403,
        "redeem_invalid",
        "redeem_access",
    );

    step("consumable gate done");
    // The gates are still up, answer correctly, and never logged a panic.
    for (g, asset) in [
        (&mut data_gate, dataset),
        (&mut model_gate, model),
        (&mut consumable, dataset),
    ] {
        g.assert_healthy();
        challenge(&g.addr, &asset);
    }
    let n = challenge(&data_gate.addr, &dataset);
    let s = proof::sign(&alice, "fuzz.test", &dataset, &n.0, n.1).to_string();
    assert_eq!(
        at(&data_gate, "GET", &data_path, &proof_headers(&n, &s), b"").body,
        content
    );
    drop((data_gate, model_gate, consumable));
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
