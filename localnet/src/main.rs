//! `tessera-localnet`: Agave's own TestValidator (solana-test-validator 3.1.12) serving the
//! three Tessera programs, compiled for the host, over standard JSON-RPC and websocket.
//!
//! How the programs are registered (all public API; see /work/shared/TOOLCHAIN.md, "Local
//! validator"):
//! * `solana_program_test::ProgramTest::default().start_with_context()` is started once and kept
//!   alive: it installs program-test's syscall stubs (CPI, PDA signing, sysvars) process-wide.
//! * The genesis holds a placeholder account at each program id (native loader, executable),
//!   the registry's and escrow's ProgramData naming the upgrade authority, and the funded
//!   upgrade authority itself.
//! * Once the validator runs, every bank gets `add_builtin(id, name, entry)` with the entry from
//!   program-test's `processor!` over `tessera_host::dispatch`, as in program-tests (the
//!   programs' table, entry shims and ProgramData live in `crates/tessera-host`). Child
//!   banks inherit it; for the first seconds a guard thread also registers it (idempotent) in
//!   every new bank, in case one was created from its parent just before the registration.
//!
//! Restarts: Agave replays a ledger's slots inside `Validator::new`, before the programs can be
//! registered, so a replayed Tessera transaction fails and its writes are lost. So on SIGINT /
//! SIGTERM, once the validator is closed, the highest frozen bank is written as a full snapshot
//! archive into the ledger (Agave's own `bank_to_full_snapshot_archive`, as ledger-tool and
//! `--warp-slot` do) and its slot recorded in `tessera-exit-snapshot`. The next start on that
//! ledger loads that snapshot (Agave loads the newest archive) and has nothing of the previous
//! run left to replay: configs, assets, passes and token balances are all there.

// The Agave 3.1 crates mark their API "unstable" with deprecation notes; we pin them exactly.
#![allow(deprecated)]

use std::{
    collections::HashSet,
    fs::File,
    io::Write,
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket},
    os::fd::{AsRawFd, FromRawFd},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, RwLock,
    },
    thread,
    time::{Duration, Instant},
};

use clap::Parser;
use solana_account::{Account, AccountSharedData, ReadableAccount};
use solana_faucet::faucet::{run_faucet, Faucet, FAUCET_PORT};
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};
use solana_native_token::LAMPORTS_PER_SOL;
use solana_program_runtime::{invoke_context::BuiltinFunctionWithContext, loaded_programs::ProgramCacheEntry};
use solana_program_test::{processor, ProgramTest};
use solana_rpc::rpc::JsonRpcConfig;
use solana_rpc_client::rpc_client::RpcClient;
use solana_runtime::bank_forks::BankForks;
use solana_sdk_ids::{native_loader, system_program};
use solana_signer::Signer;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::TestValidatorGenesis;
use tessera_host::{program_data_account, program_data_address, program_data_authority, HostProgram, PROGRAMS};

/// Lamports given to the upgrade authority at genesis, so it can pay fees.
const AUTHORITY_LAMPORTS: u64 = 1_000 * LAMPORTS_PER_SOL;
/// How long `getHealth` may take to answer "ok" after the validator started.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(60);
/// How long dropping the validator may take before the process exits anyway.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(45);
/// Width of the automatically chosen port block (Agave needs at least 25).
const PORT_RANGE_WIDTH: u16 = 32;
const MIN_PORT_RANGE: u16 = 25;
/// Log filter unless RUST_LOG is set: errors only, minus two that every start prints and that
/// mean nothing for a local validator (the container's open-file limit; metrics datapoints).
const DEFAULT_LOG_FILTER: &str = "solana=error,agave=error,solana_core::resource_limits=off,solana_metrics=off";
/// How long new banks get the programs registered explicitly after start-up.
const BUILTIN_GUARD: Duration = Duration::from_secs(10);
/// In the ledger: the slot of the snapshot written at the last clean exit. Removed at start, so
/// that a run that ends without one (SIGKILL, crash) is not taken for a clean one.
const EXIT_SNAPSHOT_MARKER: &str = "tessera-exit-snapshot";
/// Full snapshot archives kept in the ledger (Agave's default).
const SNAPSHOT_ARCHIVES_TO_KEEP: usize = 2;

#[derive(Parser, Debug)]
#[command(
    name = "tessera-localnet",
    version,
    about = "Local Solana validator (Agave TestValidator 3.1.12) with the Tessera programs \
             registered natively at their ids"
)]
struct Args {
    /// Ledger directory (created if missing, kept on exit).
    #[arg(long, value_name = "DIR", default_value = "test-ledger")]
    ledger: PathBuf,

    /// Delete the ledger directory before starting (fresh genesis).
    #[arg(long)]
    reset: bool,

    /// JSON-RPC port; the websocket (pubsub) port is this + 1.
    #[arg(long, value_name = "PORT", default_value_t = 8899)]
    rpc_port: u16,

    /// Faucet port (serves `requestAirdrop`).
    #[arg(long, value_name = "PORT", default_value_t = FAUCET_PORT)]
    faucet_port: u16,

    /// Keypair named as upgrade authority in the registry's and escrow's ProgramData, funded
    /// with 1,000 SOL at genesis [default: ~/.config/solana/id.json, created if missing].
    #[arg(long, value_name = "KEYPAIR_PATH")]
    upgrade_authority: Option<PathBuf>,

    /// Ports for gossip, TPU, TVU, repair, ... (UDP and TCP on 127.0.0.1), e.g. `12000-12032`
    /// (at least 25 ports). Default: the first free block of 32 ports found from a place
    /// derived from the RPC port, so that several validators (on different RPC ports) can run
    /// side by side.
    #[arg(long, value_name = "START-END", value_parser = parse_port_range)]
    dynamic_port_range: Option<(u16, u16)>,

    /// No banner and no logs; only the "ready" line (and fatal errors) are printed.
    #[arg(long)]
    quiet: bool,

    /// Let the programs' `msg!` output (printed to stdout on the host) through to stdout.
    /// By default stdout is reserved for the banner and the "ready" line.
    #[arg(long)]
    program_logs: bool,

    /// Do not write a snapshot of the last frozen bank on exit (faster exit for a throwaway
    /// ledger; a restart on this ledger then loses the Tessera programs' state).
    #[arg(long)]
    no_exit_snapshot: bool,
}

/// Where the banner, the "ready" line and messages go: the process's original stdout, which
/// stays available after fd 1 is pointed at /dev/null (the programs' `msg!` prints there).
struct Out {
    stdout: Mutex<File>,
    quiet: bool,
}

impl Out {
    /// Duplicates fd 1; unless `program_logs`, then points fd 1 at /dev/null.
    fn new(quiet: bool, program_logs: bool) -> std::io::Result<Self> {
        // SAFETY: plain fd duplication; the new fd is owned by the returned File.
        let saved = unsafe { libc::dup(libc::STDOUT_FILENO) };
        if saved < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stdout = unsafe { File::from_raw_fd(saved) };
        if !program_logs {
            let null = File::options().write(true).open("/dev/null")?;
            // SAFETY: replaces fd 1; nothing has been written through Rust's stdout yet.
            if unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(Self {
            stdout: Mutex::new(stdout),
            quiet,
        })
    }

    /// Always printed (the "ready" line).
    fn line(&self, s: &str) {
        let mut f = self.stdout.lock().unwrap();
        let _ = writeln!(f, "{s}");
        let _ = f.flush();
    }

    /// Banner and progress lines: not printed with --quiet.
    fn info(&self, s: &str) {
        if !self.quiet {
            self.line(s);
        }
    }
}

fn default_keypair_path() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".config").join("solana").join("id.json")
}

/// Reads the upgrade authority; the default path is created with a new keypair if missing.
fn load_upgrade_authority(arg: Option<&Path>, out: &Out) -> Result<Keypair, String> {
    match arg {
        Some(path) => read_keypair_file(path)
            .map_err(|e| format!("cannot read upgrade authority keypair {}: {e}", path.display())),
        None => {
            let path = default_keypair_path();
            if !path.exists() {
                let kp = Keypair::new();
                write_keypair_file(&kp, &path)
                    .map_err(|e| format!("cannot write new keypair {}: {e}", path.display()))?;
                out.info(&format!(
                    "created a new keypair at {} ({})",
                    path.display(),
                    kp.pubkey()
                ));
                return Ok(kp);
            }
            read_keypair_file(&path).map_err(|e| format!("cannot read keypair {}: {e}", path.display()))
        }
    }
}

/// The faucet's keypair lives in the ledger (like agave's solana-test-validator): it is the
/// genesis mint, so it must survive restarts of the same ledger.
fn load_faucet_keypair(ledger: &Path) -> Result<Keypair, String> {
    let path = ledger.join("faucet-keypair.json");
    if path.exists() {
        return read_keypair_file(&path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    }
    if TestValidatorGenesis::ledger_exists(ledger) {
        return Err(format!(
            "{} holds a ledger without faucet-keypair.json (not created by tessera-localnet?); \
             use --reset or another --ledger",
            ledger.display()
        ));
    }
    let kp = Keypair::new();
    write_keypair_file(&kp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(kp)
}

fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').ok_or("expected START-END")?;
    let a: u16 = a.trim().parse().map_err(|e| format!("{a}: {e}"))?;
    let b: u16 = b.trim().parse().map_err(|e| format!("{b}: {e}"))?;
    if b < a.saturating_add(MIN_PORT_RANGE) {
        return Err(format!("the range must hold at least {MIN_PORT_RANGE} ports"));
    }
    Ok((a, b))
}

/// Whether `port` is free for both UDP and TCP on 127.0.0.1 and 0.0.0.0.
fn port_free(port: u16) -> bool {
    [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V4(Ipv4Addr::UNSPECIFIED)]
        .into_iter()
        .all(|ip| {
            let addr = SocketAddr::new(ip, port);
            UdpSocket::bind(addr).is_ok() && TcpListener::bind(addr).is_ok()
        })
}

/// A block of `PORT_RANGE_WIDTH` free ports for the validator's node sockets, outside
/// `avoid`. Agave's debug-build default is always 2000-2024, so a second validator on the
/// machine would fail to bind its gossip port; instead we search from a start derived from the
/// RPC port (distinct RPC ports give distinct searches) in 10000-59999.
fn find_port_range(rpc_port: u16, avoid: &[u16]) -> Result<(u16, u16), String> {
    const LOW: u32 = 10_000;
    const HIGH: u32 = 60_000;
    let width = u32::from(PORT_RANGE_WIDTH);
    let blocks = (HIGH - LOW) / width;
    let first = (u32::from(rpc_port).wrapping_mul(7919) + std::process::id()) % blocks;
    for i in 0..blocks {
        let start = LOW + ((first + i) % blocks) * width;
        let range = start..start + width;
        if avoid.iter().any(|p| range.contains(&u32::from(*p))) {
            continue;
        }
        if range.clone().all(|p| port_free(p as u16)) {
            return Ok((start as u16, (start + width) as u16));
        }
    }
    Err("no free block of ports for the validator's sockets; pass --dynamic-port-range".into())
}

fn check_port_free(port: u16, what: &str) -> Result<(), String> {
    for ip in [IpAddr::V4(Ipv4Addr::UNSPECIFIED), IpAddr::V4(Ipv4Addr::LOCALHOST)] {
        TcpListener::bind(SocketAddr::new(ip, port))
            .map_err(|e| format!("{what} port {port} is not available ({e}); is another validator running?"))?;
    }
    Ok(())
}

/// Registers the programs in every bank of `bank_forks` whose slot is not in `done` yet (then
/// adds it there); returns how many banks it registered them in. `Bank::add_builtin` is
/// idempotent (a builtin replacing the same builtin is a plain reload of the cache entry).
fn register_builtins(
    bank_forks: &RwLock<BankForks>,
    programs: &[HostProgram],
    entry: BuiltinFunctionWithContext,
    done: &mut HashSet<u64>,
) -> usize {
    // Write lock: no bank is inserted while we go through them.
    let forks = bank_forks.write().unwrap();
    let mut count = 0;
    for (slot, bank) in forks.banks() {
        if !done.insert(*slot) {
            continue;
        }
        for p in programs {
            bank.add_builtin(p.id, p.name, ProgramCacheEntry::new_builtin(0, p.name.len(), entry));
        }
        count += 1;
    }
    // Forget slots that left the fork graph.
    done.retain(|slot| forks.banks().contains_key(slot));
    count
}

/// The first slot at which every program of the genesis (SPL Token, Token-2022, ATA: loaded
/// by the upgradeable loader, visible one slot after their deployment) can be invoked. Before
/// it, a transaction calling them can fail with "Unsupported program id".
const FIRST_USABLE_SLOT: u64 = 2;

/// Waits until the RPC answers `getHealth` and the bank has reached [`FIRST_USABLE_SLOT`].
fn wait_healthy(rpc_url: &str) -> Result<Duration, String> {
    let start = Instant::now();
    let client = RpcClient::new_with_timeout(rpc_url.to_string(), Duration::from_secs(2));
    loop {
        let state = client
            .get_health()
            .map_err(|e| format!("getHealth not ok: {e}"))
            .and_then(|()| client.get_slot().map_err(|e| format!("getSlot failed: {e}")))
            .and_then(|slot| {
                if slot >= FIRST_USABLE_SLOT {
                    Ok(())
                } else {
                    Err(format!("still at slot {slot}"))
                }
            });
        match state {
            Ok(()) => return Ok(start.elapsed()),
            Err(e) if start.elapsed() > HEALTH_TIMEOUT => {
                return Err(format!("not ready after {HEALTH_TIMEOUT:?}: {e}"))
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The slot of the newest full snapshot archive in `dir` (`snapshot-SLOT-HASH.tar.*`), if any.
fn newest_snapshot_archive_slot(dir: &Path) -> Option<u64> {
    agave_snapshots::paths::get_highest_full_snapshot_archive_info(dir).map(|a| {
        use agave_snapshots::snapshot_archive_info::SnapshotArchiveInfoGetter;
        a.slot()
    })
}

/// Reads and removes the exit-snapshot marker of `ledger`: the slot of the snapshot the last
/// clean exit wrote, if there was one.
fn take_exit_snapshot_marker(ledger: &Path) -> Option<u64> {
    let path = ledger.join(EXIT_SNAPSHOT_MARKER);
    let slot = std::fs::read_to_string(&path).ok()?.trim().parse().ok();
    let _ = std::fs::remove_file(&path);
    slot
}

/// Writes the highest frozen bank of `bank_forks` (the validator is closed) as a full snapshot
/// archive into `ledger`, keeps the newest [`SNAPSHOT_ARCHIVES_TO_KEEP`] archives and records its
/// slot in the marker. Returns the slot.
fn write_exit_snapshot(bank_forks: &RwLock<BankForks>, ledger: &Path) -> Result<u64, String> {
    let bank = bank_forks
        .read()
        .unwrap()
        .frozen_banks()
        .map(|(_, bank)| bank)
        .max_by_key(|bank| bank.slot())
        .ok_or("no frozen bank")?;
    let slot = bank.slot();
    if newest_snapshot_archive_slot(ledger) == Some(slot) {
        // Agave's own periodic snapshot of this very slot is there already.
    } else {
        let bank_snapshots_dir = ledger.join(agave_snapshots::paths::BANK_SNAPSHOTS_DIR);
        std::fs::create_dir_all(&bank_snapshots_dir)
            .map_err(|e| format!("cannot create {}: {e}", bank_snapshots_dir.display()))?;
        solana_runtime::snapshot_bank_utils::bank_to_full_snapshot_archive(
            &bank_snapshots_dir,
            &bank,
            None,
            ledger,
            ledger,
            agave_snapshots::ArchiveFormat::TarZstd {
                config: agave_snapshots::ZstdConfig::default(),
            },
        )
        .map_err(|e| format!("snapshot of slot {slot}: {e}"))?;
        solana_runtime::snapshot_utils::purge_old_snapshot_archives(
            ledger,
            ledger,
            std::num::NonZeroUsize::new(SNAPSHOT_ARCHIVES_TO_KEEP).expect("non-zero"),
            std::num::NonZeroUsize::new(SNAPSHOT_ARCHIVES_TO_KEEP).expect("non-zero"),
        );
    }
    std::fs::write(ledger.join(EXIT_SNAPSHOT_MARKER), format!("{slot}\n"))
        .map_err(|e| format!("cannot write {}: {e}", ledger.join(EXIT_SNAPSHOT_MARKER).display()))?;
    Ok(slot)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = match Out::new(args.quiet, args.program_logs) {
        Ok(out) => Arc::new(out),
        Err(e) => {
            eprintln!("tessera-localnet: cannot set up stdout: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(args, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera-localnet: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args, out: Arc<Out>) -> Result<(), String> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .thread_name("localnet-rt")
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;

    // Signals are caught from the start, so that SIGINT/SIGTERM during start-up also end in a
    // clean shutdown (once the validator is up) rather than a half-written ledger.
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let stopping = stopping.clone();
        let _guard = runtime.enter();
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("SIGTERM handler: {e}"))?;
        let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| format!("SIGINT handler: {e}"))?;
        runtime.spawn(async move {
            loop {
                tokio::select! {
                    _ = sigterm.recv() => {}
                    _ = sigint.recv() => {}
                }
                if stopping.swap(true, Ordering::SeqCst) {
                    // Second signal: do not wait for a clean shutdown any longer.
                    eprintln!("tessera-localnet: second signal, exiting now");
                    std::process::exit(130);
                }
                stop.notify_one();
            }
        });
    }

    if args.reset && args.ledger.exists() {
        std::fs::remove_dir_all(&args.ledger).map_err(|e| format!("cannot remove {}: {e}", args.ledger.display()))?;
    }
    std::fs::create_dir_all(&args.ledger).map_err(|e| format!("cannot create {}: {e}", args.ledger.display()))?;
    let ledger = args
        .ledger
        .canonicalize()
        .map_err(|e| format!("{}: {e}", args.ledger.display()))?;
    let ledger_existed = TestValidatorGenesis::ledger_exists(&ledger);
    // What a restart will load: the newest snapshot archive (Agave's rule), and whether the last
    // run wrote it on a clean exit (then no Tessera transaction is left to replay).
    let exit_snapshot = take_exit_snapshot_marker(&ledger);
    let newest_snapshot = newest_snapshot_archive_slot(&ledger);

    let authority = load_upgrade_authority(args.upgrade_authority.as_deref(), &out)?;
    let faucet_keypair = load_faucet_keypair(&ledger)?;
    let faucet_pubkey = faucet_keypair.pubkey();

    let rpc_port = args.rpc_port;
    let ws_port = rpc_port
        .checked_add(1)
        .ok_or_else(|| "--rpc-port must be below 65535".to_string())?;
    check_port_free(rpc_port, "RPC")?;
    check_port_free(ws_port, "websocket")?;
    let port_range = match args.dynamic_port_range {
        Some(range) => range,
        None => find_port_range(rpc_port, &[rpc_port, ws_port, args.faucet_port])?,
    };

    // 1. program-test's syscall stubs, installed process-wide by starting a context once.
    //    `ProgramTest::default()` also configures the logger; ours is set up right after.
    let ctx = runtime.block_on(ProgramTest::default().start_with_context());
    std::mem::forget(ctx);
    if args.quiet {
        agave_logger::setup_with("off");
    } else {
        agave_logger::setup_with_default(DEFAULT_LOG_FILTER);
    }

    // 2. The faucet (before the validator, like agave's own binary), funded by the mint.
    let faucet_addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), args.faucet_port);
    {
        let faucet = Arc::new(Mutex::new(Faucet::new(faucet_keypair, None, None, None)));
        let (sender, receiver) = crossbeam_channel::bounded(1);
        runtime.spawn(run_faucet(faucet, faucet_addr, Some(sender)));
        receiver
            .recv_timeout(Duration::from_secs(10))
            .map_err(|e| format!("faucet did not start: {e}"))??;
    }

    // 3. Genesis: placeholders at the program ids, ProgramData, funded upgrade authority.
    let programs = PROGRAMS;
    let mut genesis = TestValidatorGenesis::default();
    genesis
        .ledger_path(&ledger)
        .rpc_config(JsonRpcConfig {
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..JsonRpcConfig::default_for_test()
        })
        // After rpc_config, which would otherwise reset it.
        .faucet_addr(Some(faucet_addr))
        .rpc_port(rpc_port)
        // The gossip port is the range's first unless set: set both.
        .port_range(port_range)
        .gossip_port(port_range.0);
    for p in programs {
        genesis.add_account(
            p.id,
            AccountSharedData::from(Account {
                lamports: 1,
                data: p.name.as_bytes().to_vec(),
                owner: native_loader::ID,
                executable: true,
                rent_epoch: 0,
            }),
        );
        if p.has_upgrade_authority_check {
            genesis.add_account(
                program_data_address(&p.id),
                AccountSharedData::from(program_data_account(&authority.pubkey())),
            );
        }
    }
    genesis.add_account(
        authority.pubkey(),
        AccountSharedData::new(AUTHORITY_LAMPORTS, 0, &system_program::ID),
    );

    out.info(&format!(
        "tessera-localnet: starting Agave TestValidator 3.1.12 ({} ledger {})",
        if ledger_existed { "existing" } else { "new" },
        ledger.display()
    ));
    let test_validator = genesis
        .start_with_mint_address(faucet_pubkey, SocketAddrSpace::Unspecified)
        .map_err(|e| format!("validator failed to start: {e}"))?;

    // 4. The programs, as builtins in every bank. Child banks inherit them from their parent;
    //    for a few seconds a guard also registers them in every bank that appears, in case one
    //    was created from its parent in the instant before the registration (Agave 3.1 has no
    //    public way to ask a bank which builtins it has).
    let bank_forks = test_validator.bank_forks();
    // Typed binding first: it gives the closure inside `processor!` its higher-ranked type.
    let entry: Option<BuiltinFunctionWithContext> = processor!(tessera_host::dispatch);
    let entry = entry.expect("processor");
    let mut done = HashSet::new();
    let n = register_builtins(&bank_forks, programs, entry, &mut done);
    log::info!("tessera-localnet: programs registered in {n} bank(s)");
    {
        let bank_forks = bank_forks.clone();
        thread::Builder::new()
            .name("tesseraBuiltins".into())
            .spawn(move || {
                let until = Instant::now() + BUILTIN_GUARD;
                while Instant::now() < until {
                    thread::sleep(Duration::from_millis(100));
                    register_builtins(&bank_forks, programs, entry, &mut done);
                }
            })
            .map_err(|e| format!("thread: {e}"))?;
    }

    if ledger_existed {
        match (exit_snapshot, newest_snapshot) {
            (Some(exit), Some(newest)) if exit == newest => out.info(&format!(
                "tessera-localnet: restarted from the snapshot written at the last exit (slot {exit})"
            )),
            _ => {
                // Agave 3.1 has no public hook to register builtins before the validator
                // replays its ledger, so the slots after the snapshot it loaded (or after
                // genesis) were replayed without the Tessera programs: their transactions
                // failed there and what they wrote is missing now. Say so loudly.
                eprintln!(
                    "tessera-localnet: warning: the ledger {} was not closed by a clean exit (no \
                     exit snapshot; SIGKILL or crash?): it was loaded from {} and the later slots \
                     were replayed before the Tessera programs could be registered, so state \
                     written by Tessera transactions after that is missing (other accounts are \
                     there). Use --reset for a consistent state.",
                    ledger.display(),
                    newest_snapshot.map_or("genesis".to_string(), |s| format!("the snapshot of slot {s}")),
                );
            }
        }
        // An existing ledger also keeps the upgrade authority it was created with.
        let bank = bank_forks.read().unwrap().working_bank();
        for p in programs.iter().filter(|p| p.has_upgrade_authority_check) {
            let recorded = bank
                .get_account(&program_data_address(&p.id))
                .and_then(|a| program_data_authority(a.data()));
            if recorded != Some(authority.pubkey()) {
                eprintln!(
                    "tessera-localnet: warning: the ledger's {} ProgramData names upgrade \
                     authority {}, not {} (genesis is fixed; use --reset to change it)",
                    p.name,
                    recorded.map_or("none".to_string(), |k| k.to_string()),
                    authority.pubkey()
                );
            }
        }
    }

    let rpc_url = format!("http://127.0.0.1:{rpc_port}");
    let ws_url = format!("ws://127.0.0.1:{ws_port}");
    let healthy_after = wait_healthy(&rpc_url)?;
    out.info(&format!("  ledger            {}", ledger.display()));
    for p in programs.iter() {
        out.info(&format!("  {:<17} {}", p.name, p.id));
    }
    out.info(&format!("  upgrade authority {}", authority.pubkey()));
    out.info(&format!("  faucet            {faucet_addr} ({faucet_pubkey})"));
    out.info(&format!(
        "  node ports        {}-{} (gossip {})",
        port_range.0, port_range.1, port_range.0
    ));
    out.info(&format!(
        "  started in        {:.1}s (RPC healthy and at slot 2 {:.0} ms after the validator)",
        started.elapsed().as_secs_f64(),
        healthy_after.as_secs_f64() * 1e3
    ));
    out.line(&format!("tessera-localnet ready: rpc {rpc_url} ws {ws_url}"));

    // 5. Serve until SIGINT/SIGTERM, then drop the validator (closes it, keeps the ledger).
    runtime.block_on(stop.notified());
    stopping.store(true, Ordering::SeqCst);
    out.info("tessera-localnet: shutting down");
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        drop(test_validator);
        let _ = done_tx.send(());
    });
    if done_rx.recv_timeout(SHUTDOWN_TIMEOUT).is_err() {
        eprintln!("tessera-localnet: validator did not close within {SHUTDOWN_TIMEOUT:?}; exiting");
        std::process::exit(1);
    }
    // 6. The state a restart loads: the last frozen bank as a snapshot (see the module docs).
    if !args.no_exit_snapshot {
        let t = Instant::now();
        match write_exit_snapshot(&bank_forks, &ledger) {
            Ok(slot) => out.info(&format!(
                "tessera-localnet: wrote the exit snapshot of slot {slot} in {:.1}s",
                t.elapsed().as_secs_f64()
            )),
            Err(e) => {
                eprintln!(
                    "tessera-localnet: error: no exit snapshot ({e}); a restart on this ledger \
                     loses the Tessera programs' state"
                );
                std::process::exit(1);
            }
        }
    }
    out.info("tessera-localnet: stopped");
    // The program-test context and the faucet live on the runtime; no need to wind them down.
    std::process::exit(0);
}
