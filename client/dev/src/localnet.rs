//! Starts `tessera-localnet` (the local validator serving the Tessera programs, built from
//! `localnet/`) as a child process on free ports and stops it when dropped. Used by
//! `tessera demo` and the CLI's integration tests.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use tessera_client::{Result, TesseraError};

/// A running local validator.
pub struct Localnet {
    child: Child,
    pub url: String,
    _ledger: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where `tessera-localnet` is: `$TESSERA_LOCALNET`, else on `PATH`, else where
/// `scripts/localnet.sh build` puts it.
pub fn binary() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("TESSERA_LOCALNET") {
        return Ok(PathBuf::from(p));
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join("tessera-localnet");
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let p = Path::new(&home).join(".cache/tessera/localnet-target/debug/tessera-localnet");
    if p.is_file() {
        return Ok(p);
    }
    Err(TesseraError::Invalid(
        "tessera-localnet not found: build it with `bash scripts/localnet.sh build` or set TESSERA_LOCALNET".into(),
    ))
}

/// A free TCP port `p` on 127.0.0.1 such that `p + 1` is free too (RPC and websocket).
fn free_port_pair() -> Result<u16> {
    for _ in 0..50 {
        let l = TcpListener::bind("127.0.0.1:0").map_err(TesseraError::from)?;
        let p = l.local_addr().map_err(TesseraError::from)?.port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return Ok(p);
        }
    }
    Err(TesseraError::Rpc("no free port pair on 127.0.0.1".into()))
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(TesseraError::from)?;
    Ok(l.local_addr().map_err(TesseraError::from)?.port())
}

impl Localnet {
    /// Starts a validator with a fresh ledger whose Tessera programs name the keypair at
    /// `upgrade_authority` as upgrade authority (funded at genesis); waits until it is ready
    /// (at most `timeout`).
    ///
    /// A start that stalls is retried once, on fresh ports and a fresh ledger, each attempt
    /// getting half of `timeout`: on a loaded 2-core machine a validator has been seen to stay
    /// at slot 0 for minutes (twice in a row in one run of the gate tests), while a normal start
    /// takes 3–5 s.
    pub fn start(upgrade_authority: &Path, timeout: Duration) -> Result<Self> {
        match Self::start_once(upgrade_authority, timeout / 2) {
            Err(TesseraError::Rpc(first)) if first.contains("not ready after") => {
                Self::start_once(upgrade_authority, timeout / 2)
                    .map_err(|e| TesseraError::Rpc(format!("{first}; retried on fresh ports: {e}")))
            }
            other => other,
        }
    }

    fn start_once(upgrade_authority: &Path, timeout: Duration) -> Result<Self> {
        let bin = binary()?;
        // One directory per start: the ledger and the validator's stderr (quoted in an error).
        let dir = std::env::temp_dir().join(format!("tessera-localnet-{}-{}", std::process::id(), free_port()?));
        std::fs::create_dir_all(&dir).map_err(TesseraError::from)?;
        let ledger = dir.join("ledger");
        let stderr_log = dir.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_log).map_err(TesseraError::from)?;
        let rpc_port = free_port_pair()?;
        let faucet_port = free_port()?;
        let mut child = Command::new(&bin)
            .arg("--ledger")
            .arg(&ledger)
            .arg("--reset")
            .arg("--quiet")
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--faucet-port", &faucet_port.to_string()])
            .arg("--upgrade-authority")
            .arg(upgrade_authority)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .map_err(|e| TesseraError::Rpc(format!("cannot start {}: {e}", bin.display())))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
                if line.contains("ready") {
                    let _ = tx.send(());
                }
            }
        });
        let started = Instant::now();
        let net = Localnet {
            child,
            url: format!("http://127.0.0.1:{rpc_port}"),
            _ledger: TempDir(dir),
        };
        let mut net = net;
        loop {
            if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
                // Ready: make sure the RPC answers requests before handing it out.
                let rpc = solana_client::rpc_client::RpcClient::new(net.url.clone());
                while started.elapsed() < timeout {
                    if rpc.get_latest_blockhash().is_ok() {
                        return Ok(net);
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                return Err(TesseraError::Rpc(format!(
                    "tessera-localnet at {} does not answer RPC",
                    net.url
                )));
            }
            if let Ok(Some(status)) = net.child.try_wait() {
                return Err(TesseraError::Rpc(format!(
                    "tessera-localnet exited before it was ready ({status}){}",
                    tail(&stderr_log)
                )));
            }
            if started.elapsed() > timeout {
                return Err(TesseraError::Rpc(format!(
                    "tessera-localnet not ready after {} s{}",
                    timeout.as_secs(),
                    tail(&stderr_log)
                )));
            }
        }
    }
}

/// The last lines of the validator's stderr, for an error message ("" when empty).
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(8).collect();
    if lines.is_empty() {
        return String::new();
    }
    let last: Vec<&str> = lines.into_iter().rev().collect();
    format!("; its stderr ends with:\n{}", last.join("\n"))
}

impl Drop for Localnet {
    fn drop(&mut self) {
        // SIGTERM first (clean shutdown), then make sure.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
