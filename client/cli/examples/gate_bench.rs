//! Benchmark of the access gate against plain file servers, side by side in one run (not a
//! timed test).
//!
//! ```text
//! cargo build --release --locked -p tessera-cli --bin tessera --example gate_bench
//! TESSERA_LOCALNET=<tessera-localnet> $CARGO_TARGET_DIR/release/examples/gate_bench [--secs 5] [--big-mib 256]
//! ```
//!
//! One local validator, one asset per file (4 KiB, 64 KiB, 256 MiB) published, four holders
//! that bought each. Servers, each its own process, serving the same three files:
//! - `plain`: a bare static file service in the gate's HTTP stack (axum + tower-http
//!   `ServeFile`, no auth; this example re-run as `--plain-server DIR`);
//! - `nginx`: Debian's `/usr/sbin/nginx` (skipped, with a note, when absent);
//! - the gate (`tessera serve --catalogue`, the `tessera` binary built beside this example),
//!   driven two ways: `session` (one signed challenge per client, then `Authorization: Bearer`)
//!   and `challenge` (a challenge round trip and an ed25519 signature per request).
//!
//! Load: 1, 8 and 64 concurrent clients (tokio tasks in this process, each its own keep-alive
//! connection), `--secs` seconds per cell. Printed: requests/s and p50/p99 latency (a
//! challenge-mode request includes its challenge) for the small files, MB/s (bytes received in
//! the window) for the large one, and the ratios gate/plain and gate/nginx.

use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
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
        state::{AccessDenied, AssetKind, License},
    },
    royalties::state::RecipientInput,
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, TestChain};

const SESSION_HEADER: &str = "x-tessera-session";
const CLIENTS: [usize; 3] = [1, 8, 64];
const HOLDERS: usize = 4;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `--plain-server DIR --bind ADDR`: `GET /files/{name}` streams DIR/name with `ServeFile`,
/// exactly as the gate delivers a file, without any check.
fn plain_server(dir: PathBuf, bind: String) {
    use axum::{
        extract::{Path as P, Request},
        response::IntoResponse,
        routing::get,
        Router,
    };
    use tower::ServiceExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let dir = Arc::new(dir);
        let app = Router::new().route(
            "/files/{name}",
            get(move |P(name): P<String>, req: Request| {
                let dir = dir.clone();
                async move {
                    if name.contains('/') || name.starts_with('.') {
                        return axum::http::StatusCode::NOT_FOUND.into_response();
                    }
                    match tower_http::services::ServeFile::new(dir.join(name)).oneshot(req).await {
                        Ok(r) => r.into_response(),
                        Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(&bind).await.unwrap();
        println!("listening");
        // TCP_NODELAY, as the gate (`tessera serve`) and nginx (`tcp_nodelay on`) set it.
        axum::serve(
            axum::serve::ListenerExt::tap_io(listener, |t| {
                let _ = t.set_nodelay(true);
            }),
            app,
        )
        .await
        .unwrap();
    });
}

/// A server process, stopped when dropped: SIGKILL, or for nginx SIGTERM (its master then stops
/// its workers; killed outright, the master leaves them running, holding the port and every
/// descriptor they inherited, e.g. the validator lock of `flock` without `-o`).
struct Server(Child, bool);

impl Server {
    fn graceful(child: Child) -> Self {
        Server(child, true)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.1 {
            let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` and waits for its first stdout line.
fn spawn_waiting(mut cmd: Command) -> Server {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(!line.is_empty(), "server exited: {cmd:?}");
    Server(child, false)
}

/// Debian's nginx serving DIR under /files/ on `port`, or `None` when not installed.
fn nginx(dir: &Path, work: &Path, port: u16) -> Option<Server> {
    let bin = Path::new("/usr/sbin/nginx");
    if !bin.is_file() {
        return None;
    }
    std::fs::create_dir_all(work).unwrap();
    let conf = work.join("nginx.conf");
    let w = work.display();
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto;\nuser root;\ndaemon off;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 10000000;\n  keepalive_timeout 120s;\n\
             client_body_temp_path {w}/b; proxy_temp_path {w}/p; fastcgi_temp_path {w}/f; uwsgi_temp_path {w}/u; scgi_temp_path {w}/s;\n\
             server {{ listen 127.0.0.1:{port}; location /files/ {{ alias {}/; }} }}\n}}\n",
            dir.display()
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .args(["-p", &w.to_string(), "-c", conf.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // nginx prints nothing when ready: wait until the port answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start: see {w}/error.log");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Server::graceful(child))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    Session,
    Challenge,
}

struct Cell {
    ok: u64,
    errors: u64,
    bytes: u64,
    secs: f64,
    lat: Vec<f64>,
}

impl Cell {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs
    }
    fn mbps(&self) -> f64 {
        self.bytes as f64 / self.secs / 1e6
    }
    fn pct(&self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return f64::NAN;
        }
        self.lat[((self.lat.len() - 1) as f64 * p).round() as usize]
    }
}

/// What a client asks for: a plain URL, or an asset at the gate.
#[derive(Clone)]
struct Target {
    mode: Mode,
    base: String,
    /// Plain: the file's name; gate: the asset.
    name: String,
    asset: Pubkey,
}

/// One request; returns the body length received, or `None` on a refusal or an error. Bytes
/// received count towards `bytes` as they arrive, up to `deadline`.
async fn one(
    http: &reqwest::Client,
    t: &Target,
    holder: &Keypair,
    token: &mut Option<String>,
    bytes: &AtomicU64,
    deadline: tokio::time::Instant,
) -> Option<u64> {
    let req = match (t.mode, token.as_ref()) {
        (Mode::Plain, _) => http.get(format!("{}/files/{}", t.base, t.name)),
        (Mode::Session, Some(tok)) => http
            .get(format!("{}/v1/assets/{}/data", t.base, t.asset))
            .header("authorization", format!("Bearer {tok}")),
        (Mode::Session | Mode::Challenge, _) => {
            let ch: Value = http
                .get(format!("{}/v1/assets/{}/challenge", t.base, t.asset))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let (nonce, expires) = (ch["nonce"].as_str()?, ch["expiresAt"].as_i64()?);
            let sig = proof::sign(holder, "bench", &t.asset, nonce, expires).to_string();
            http.get(format!("{}/v1/assets/{}/data", t.base, t.asset))
                .header(proof::HOLDER_HEADER, holder.pubkey().to_string())
                .header(proof::NONCE_HEADER, nonce)
                .header(proof::SIGNATURE_HEADER, sig)
        }
    };
    let mut resp = req.send().await.ok()?;
    if !resp.status().is_success() {
        *token = None;
        return None;
    }
    if t.mode == Mode::Session && token.is_none() {
        *token = resp
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
    }
    let mut n = 0u64;
    loop {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(c))) => {
                n += c.len() as u64;
                bytes.fetch_add(c.len() as u64, Ordering::Relaxed);
            }
            Ok(Ok(None)) => return Some(n),
            Ok(Err(_)) | Err(_) => return None,
        }
    }
}

/// `clients` concurrent clients asking for `t` for `secs` seconds.
fn cell(rt: &tokio::runtime::Runtime, t: &Target, size: u64, clients: usize, secs: u64, holders: &[Keypair]) -> Cell {
    let bytes = Arc::new(AtomicU64::new(0));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..clients {
            let (t, bytes, lat, errors) = (t.clone(), bytes.clone(), lat.clone(), errors.clone());
            let holder = holders[i % holders.len()].insecure_clone();
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(600))
                    .build()
                    .unwrap();
                let mut token = None;
                let mut mine = Vec::new();
                while tokio::time::Instant::now() < deadline {
                    let t0 = Instant::now();
                    match one(&http, &t, &holder, &mut token, &bytes, deadline).await {
                        Some(n) if n == size => mine.push(t0.elapsed().as_secs_f64() * 1e3),
                        // Cut by the end of the window (a large file): not an error.
                        _ if tokio::time::Instant::now() >= deadline => {}
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                lat.lock().unwrap().extend(mine);
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let mut lat = std::mem::take(&mut *lat.lock().unwrap());
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Cell {
        ok: lat.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        secs,
        lat,
    }
}

fn write_file(path: &Path, size: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let block: Vec<u8> = (0..1_048_576u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut left = size;
    let mut k = 0u8;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        let mut b = block[..n].to_vec();
        b[0] = k; // every MiB differs
        f.write_all(&b).unwrap();
        left -= n as u64;
        k = k.wrapping_add(1);
    }
    f.flush().unwrap();
}

fn main() {
    if let (Some(dir), Some(bind)) = (arg("--plain-server"), arg("--bind")) {
        return plain_server(dir.into(), bind);
    }
    let secs: u64 = arg("--secs").and_then(|v| v.parse().ok()).unwrap_or(5);
    let big_mib: u64 = arg("--big-mib").and_then(|v| v.parse().ok()).unwrap_or(256);
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };

    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("gate-bench", Duration::from_secs(120));
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

    // The files, readable by nginx's workers too.
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    use std::os::unix::fs::PermissionsExt;
    for d in [&dir, &files] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let specs: Vec<(&str, &str, u64)> = vec![
        ("4 KiB", "small.bin", 4_096),
        ("64 KiB", "medium.bin", 65_536),
        ("large", "large.bin", big_mib * 1_048_576),
    ];
    let publisher = Keypair::new();
    boss.transfer_sol(&publisher.pubkey(), 1_000_000_000).unwrap();
    let holders: Vec<Keypair> = (0..HOLDERS).map(|_| Keypair::new()).collect();
    for h in &holders {
        boss.transfer_sol(&h.pubkey(), 1_000_000_000).unwrap();
        boss.mint_to(&usdc, &h.pubkey(), 100_000_000).unwrap();
    }
    let mut manifest = String::new();
    let mut assets = Vec::new();
    for (_, name, size) in &specs {
        let path = files.join(name);
        write_file(&path, *size);
        let (asset, _) = c(&publisher)
            .publish(
                &usdc,
                None,
                PublishAssetArgs {
                    kind: AssetKind::Dataset,
                    content_hash: parse::hash_file(&path).unwrap(),
                    uri: format!("ar://bench-{name}"),
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
        for h in &holders {
            c(h).buy(&asset, 1, 1_000_000, 0).unwrap();
        }
        manifest.push_str(&format!("[[asset]]\naddress = \"{asset}\"\nfile = \"{name}\"\n\n"));
        assets.push(asset);
    }
    let manifest_path = dir.join("catalogue.toml");
    std::fs::write(
        &manifest_path,
        manifest.replace("file = \"", &format!("file = \"{}/", files.display())),
    )
    .unwrap();

    // The servers.
    let exe = std::env::current_exe().unwrap();
    let tessera = exe.parent().and_then(|d| d.parent()).unwrap().join("tessera");
    assert!(
        tessera.is_file(),
        "build the CLI beside this example: cargo build [--release] -p tessera-cli --bin tessera --example gate_bench"
    );
    let (gate_port, plain_port, nginx_port) = (free_port(), free_port(), free_port());
    let mut gate_cmd = Command::new(&tessera);
    gate_cmd.args([
        "--url",
        &net.url,
        "serve",
        "--catalogue",
        manifest_path.to_str().unwrap(),
        "--bind",
        &format!("127.0.0.1:{gate_port}"),
        "--domain",
        "bench",
        "--data-dir",
        dir.join("gate-data").to_str().unwrap(),
    ]);
    let gate = spawn_waiting(gate_cmd);
    let mut plain_cmd = Command::new(&exe);
    plain_cmd.args([
        "--plain-server",
        files.to_str().unwrap(),
        "--bind",
        &format!("127.0.0.1:{plain_port}"),
    ]);
    let plain = spawn_waiting(plain_cmd);
    let nginx = nginx(&files, &dir.join("nginx"), nginx_port);

    let mut servers: Vec<(&str, Mode, String)> = vec![("plain", Mode::Plain, format!("http://127.0.0.1:{plain_port}"))];
    if nginx.is_some() {
        servers.push(("nginx", Mode::Plain, format!("http://127.0.0.1:{nginx_port}")));
    }
    let gate_base = format!("http://127.0.0.1:{gate_port}");
    servers.push(("session", Mode::Session, gate_base.clone()));
    servers.push(("challenge", Mode::Challenge, gate_base.clone()));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "gate benchmark ({profile} build of this example and of `tessera`; local validator {}; {} cores; {secs} s per cell)",
        std::env::var("TESSERA_LOCALNET").unwrap_or_else(|_| "tessera-localnet".into()),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if nginx.is_none() {
        println!("nginx: /usr/sbin/nginx not found, skipped (apt-get install nginx)");
    }
    // results[file][server][clients]
    let mut results: Vec<Vec<Vec<Cell>>> = Vec::new();
    for (i, (label, name, size)) in specs.iter().enumerate() {
        let mut per_server = Vec::new();
        for (server, mode, base) in &servers {
            let t = Target {
                mode: *mode,
                base: base.clone(),
                name: name.to_string(),
                asset: assets[i],
            };
            let mut per_clients = Vec::new();
            for clients in CLIENTS {
                let c = cell(&rt, &t, *size, clients, secs, &holders);
                eprintln!(
                    "{label:>7} {server:>9} {clients:>2} clients: {:>9.1} req/s {:>9.1} MB/s p50 {:>8.2} ms p99 {:>8.2} ms ({} errors)",
                    c.rps(),
                    c.mbps(),
                    c.pct(0.5),
                    c.pct(0.99),
                    c.errors
                );
                per_clients.push(c);
            }
            per_server.push(per_clients);
        }
        results.push(per_server);
    }
    let revocations = revocation_delays(
        &rt,
        &gate_base,
        &assets[0],
        &holders,
        &c(&publisher),
        &c(&Keypair::new()),
    );
    drop((gate, plain, nginx));
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);

    let names: Vec<&str> = servers.iter().map(|s| s.0).collect();
    let idx = |n: &str| names.iter().position(|x| *x == n);
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.0} %", 100.0 * a / b)
        } else {
            "-".into()
        }
    };
    for (i, (label, _, size)) in specs.iter().enumerate() {
        let large = i == specs.len() - 1;
        println!();
        if large {
            println!("{} MiB file: MB/s (errors)", size / 1_048_576);
        } else {
            println!("{label} file: requests/s, p50 / p99 ms (errors)");
        }
        println!();
        let mut head = format!("| clients |");
        for n in &names {
            head.push_str(&format!(" {n} |"));
        }
        for n in ["session", "challenge"] {
            head.push_str(&format!(" {n}/plain |"));
            if idx("nginx").is_some() {
                head.push_str(&format!(" {n}/nginx |"));
            }
        }
        println!("{head}");
        println!(
            "{}",
            head.chars()
                .map(|ch| if ch == '|' { '|' } else { '-' })
                .collect::<String>()
        );
        for (k, clients) in CLIENTS.iter().enumerate() {
            let mut row = format!("| {clients} |");
            let v = |s: usize| {
                let c = &results[i][s][k];
                if large {
                    c.mbps()
                } else {
                    c.rps()
                }
            };
            for s in 0..names.len() {
                let c = &results[i][s][k];
                let err = if c.errors > 0 {
                    format!(" ({} err)", c.errors)
                } else {
                    String::new()
                };
                if large {
                    row.push_str(&format!(" {:.0}{err} |", c.mbps()));
                } else {
                    row.push_str(&format!(
                        " {:.0}, {:.2} / {:.2}{err} |",
                        c.rps(),
                        c.pct(0.5),
                        c.pct(0.99)
                    ));
                }
            }
            for n in ["session", "challenge"] {
                let g = v(idx(n).unwrap());
                row.push_str(&format!(" {} |", ratio(g, v(idx("plain").unwrap()))));
                if let Some(x) = idx("nginx") {
                    row.push_str(&format!(" {} |", ratio(g, v(x))));
                }
            }
            println!("{row}");
        }
    }
    println!();
    println!(
        "gate: every delivery (session or challenge) is checked against the gate's websocket-fed view of the \
         chain (no RPC call); `challenge` adds a challenge round trip and an ed25519 verification per request."
    );
    println!();
    println!(
        "revocation delay ({} holders of the 4 KiB asset revoked one after another; from the revocation \
         visible over RPC at `confirmed` to the gate's first refusal, 0 when the gate refused first):",
        revocations.len()
    );
    for (what, pick) in [("session", 0usize), ("fresh challenge", 1)] {
        let mut ms: Vec<f64> = revocations
            .iter()
            .map(|d| [d.0, d.1][pick].as_secs_f64() * 1e3)
            .collect();
        ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "  {what}: median {:.0} ms, max {:.0} ms ({})",
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            ms.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>().join(", ")
        );
    }
}

/// Revokes each holder's pass of `asset` in turn while polling the gate with that holder's
/// session and with fresh challenges; returns, per holder, the delays from the revocation being
/// visible over RPC at `confirmed` to the first refusal by session and by challenge.
fn revocation_delays(
    rt: &tokio::runtime::Runtime,
    gate: &str,
    asset: &Pubkey,
    holders: &[Keypair],
    publisher: &Tessera,
    watcher: &Tessera,
) -> Vec<(Duration, Duration)> {
    let http = reqwest::Client::new();
    let target = |mode| Target {
        mode,
        base: gate.to_string(),
        name: String::new(),
        asset: *asset,
    };
    let (session, challenge) = (target(Mode::Session), target(Mode::Challenge));
    let far = || tokio::time::Instant::now() + Duration::from_secs(60);
    let bytes = AtomicU64::new(0);
    let mut out = Vec::new();
    for (i, h) in holders.iter().enumerate() {
        let mut token = None;
        rt.block_on(one(&http, &session, h, &mut token, &bytes, far()))
            .expect("the holder is served before its revocation");
        let token = token.expect("the gate issues a session");
        std::thread::scope(|s| {
            s.spawn(|| publisher.revoke(asset, &h.pubkey(), 1 + i as u16).unwrap());
            let deadline = Instant::now() + Duration::from_secs(60);
            let (mut seen, mut by_session, mut by_challenge) = (None, None, None);
            while seen.is_none() || by_session.is_none() || by_challenge.is_none() {
                assert!(Instant::now() < deadline, "the gate never refused a revoked holder");
                if seen.is_none()
                    && watcher.access(asset, &h.pubkey()).unwrap().reason == Some(AccessDenied::PassRevoked)
                {
                    seen = Some(Instant::now());
                }
                if by_session.is_none()
                    && rt
                        .block_on(one(&http, &session, h, &mut Some(token.clone()), &bytes, far()))
                        .is_none()
                {
                    by_session = Some(Instant::now());
                }
                if by_challenge.is_none()
                    && rt
                        .block_on(one(&http, &challenge, h, &mut None, &bytes, far()))
                        .is_none()
                {
                    by_challenge = Some(Instant::now());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let seen = seen.unwrap();
            out.push((
                by_session.unwrap().saturating_duration_since(seen),
                by_challenge.unwrap().saturating_duration_since(seen),
            ));
        });
    }
    out
}
