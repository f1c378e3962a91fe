//! `tessera-indexer`: the indexer as a process of its own, without the rest of the CLI (whose
//! `tessera index run` does the same). The tests run it as a child process and kill it
//! mid-stream (SIGKILL) to check that a restart loses nothing and applies nothing twice.
//!
//! ```text
//! tessera-indexer --url RPC_URL [--database URL] [--once] [--interval SECS]
//!                 [--arweave-gateway PREFIX] [--ipfs-gateway PREFIX] [--no-metadata]
//! ```
//! `--database` defaults to `TESSERA_INDEX_DATABASE`, then `sqlite://tessera-index.db`. Without
//! `--once` it ingests every `--interval` seconds (default 2) until Ctrl-C or SIGTERM. Prints
//! one line per pass that applied something (`indexed N transactions, M events …`) to stderr.

use std::{process::ExitCode, time::Duration};

use tessera_indexer::{Db, Indexer, IngestOptions, MetadataConfig};

const USAGE: &str = "usage: tessera-indexer --url RPC_URL [--database URL] [--once] [--interval SECS] \
                     [--arweave-gateway PREFIX] [--ipfs-gateway PREFIX] [--no-metadata]";

struct Args {
    url: String,
    database: String,
    once: bool,
    interval: u64,
    metadata: MetadataConfig,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut url = None;
    let mut database = std::env::var("TESSERA_INDEX_DATABASE").ok();
    let mut once = false;
    let mut interval = 2;
    let mut metadata = MetadataConfig::default();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--url" => url = Some(value("--url")?),
            "--database" => database = Some(value("--database")?),
            "--once" => once = true,
            "--interval" => {
                let v = value("--interval")?;
                interval = v
                    .parse()
                    .map_err(|_| format!("--interval: `{v}` is not a number of seconds"))?;
            }
            "--arweave-gateway" => metadata.arweave_gateway = value("--arweave-gateway")?,
            "--ipfs-gateway" => metadata.ipfs_gateway = value("--ipfs-gateway")?,
            "--no-metadata" => metadata.enabled = false,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(Args {
        url: url.ok_or_else(|| format!("--url is required\n{USAGE}"))?,
        database: database.unwrap_or_else(|| "sqlite://tessera-index.db".into()),
        once,
        interval,
        metadata,
    })
}

/// Turns true on Ctrl-C or SIGTERM.
fn stop_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
        let _ = tx.send(true);
    });
    rx
}

async fn run(args: Args) -> tessera_indexer::Result<()> {
    let db = Db::open(&args.database).await?;
    let idx = Indexer::new(db.clone(), &args.url, args.metadata);
    if args.once {
        let s = idx.ingest(&IngestOptions::default()).await?;
        eprintln!(
            "indexed {} transactions, {} events (finalized slot {}); {} metadata documents",
            s.transactions, s.events, s.finalized_slot, s.metadata
        );
    } else {
        idx.run(Duration::from_secs(args.interval), stop_signal()).await?;
    }
    db.pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera-indexer: {e}");
            ExitCode::FAILURE
        }
    }
}
