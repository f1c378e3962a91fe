//! `tessera index`: the indexer (`tessera-indexer`) from the CLI. `run` ingests the programs'
//! confirmed transactions into the database (SQLite file by default, or `--database
//! postgres://…`); `serve` does the same and serves the HTTP JSON API; `check` catches up, then
//! reconciles the database with the chain and fails if anything differs.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;
use tessera_client::{Result, TesseraError};
use tessera_indexer::{check::CheckReport, Db, Indexer, IngestOptions, IngestStats, MetadataConfig};

use crate::{
    context::Settings,
    output::{fields, table, CommandOutput, Report},
};

#[derive(Args, Clone)]
pub struct IndexOpts {
    /// The database: a SQLite file (`sqlite://PATH` or a path) or `postgres://USER@HOST/DB`
    #[arg(long, env = "TESSERA_INDEX_DATABASE", default_value = "sqlite://tessera-index.db")]
    database: String,
    /// Gateway prefix for `ar://` metadata URIs
    #[arg(long, default_value = "https://arweave.net/")]
    arweave_gateway: String,
    /// Gateway prefix for `ipfs://` metadata URIs
    #[arg(long, default_value = "https://ipfs.io/ipfs/")]
    ipfs_gateway: String,
    /// Do not fetch assets' metadata documents
    #[arg(long)]
    no_metadata: bool,
}

#[derive(Subcommand)]
pub enum IndexCmd {
    /// Ingest the programs' transactions into the database (until Ctrl-C, or once with --once)
    Run {
        #[command(flatten)]
        opts: IndexOpts,
        /// One pass, then exit
        #[arg(long)]
        once: bool,
        /// Seconds between passes
        #[arg(long, default_value_t = 2)]
        interval: u64,
    },
    /// Ingest and serve the HTTP JSON API (until Ctrl-C)
    Serve {
        #[command(flatten)]
        opts: IndexOpts,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8788")]
        listen: String,
        /// Seconds between passes
        #[arg(long, default_value_t = 2)]
        interval: u64,
        /// Serve the database as it is, without ingesting
        #[arg(long)]
        no_ingest: bool,
        /// Answer browsers from this origin (CORS), e.g. https://app.example.org; repeatable; `*`
        /// (alone) for any origin; as `tessera serve --cors-origin`. Without it no CORS header
        #[arg(long = "cors-origin", value_name = "ORIGIN")]
        cors_origins: Vec<String>,
    },
    /// Catch up, then compare the database with the chain (fails on any difference)
    Check {
        #[command(flatten)]
        opts: IndexOpts,
        /// Compare the database as it is, without catching up first
        #[arg(long)]
        no_ingest: bool,
    },
}

/// `index run --once`: what the pass ingested.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexRun {
    pub action: &'static str,
    pub database: String,
    #[serde(flatten)]
    pub stats: IngestStats,
}

impl CommandOutput for IndexRun {
    fn human(&self) -> String {
        fields(&[
            ("database", self.database.clone()),
            ("transactions", self.stats.transactions.to_string()),
            ("events", self.stats.events.to_string()),
            ("finalized slot", self.stats.finalized_slot.to_string()),
            ("metadata fetched", self.stats.metadata.to_string()),
        ])
    }
}

/// `index check`: what was compared and every difference.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexCheck {
    pub action: &'static str,
    pub database: String,
    #[serde(flatten)]
    pub report: CheckReport,
}

impl CommandOutput for IndexCheck {
    fn human(&self) -> String {
        let r = &self.report;
        let mut out = format!(
            "checked {} splits, {} providers, {} jobs, {} passes, {} assets, {} channels: {} differences",
            r.splits,
            r.providers,
            r.jobs,
            r.passes,
            r.assets,
            r.channels,
            r.differences.len()
        );
        if !r.differences.is_empty() {
            let rows: Vec<Vec<String>> = r
                .differences
                .iter()
                .map(|d| {
                    vec![
                        d.kind.clone(),
                        d.address.clone(),
                        d.field.clone(),
                        d.index.clone(),
                        d.chain.clone(),
                    ]
                })
                .collect();
            out.push_str("\n\n");
            out.push_str(&table(&["KIND", "ADDRESS", "FIELD", "INDEX", "CHAIN"], &rows));
        }
        out
    }
}

fn err(e: tessera_indexer::Error) -> TesseraError {
    match e {
        tessera_indexer::Error::Rpc(m) => TesseraError::Rpc(m),
        e => TesseraError::Invalid(format!("index: {e}")),
    }
}

fn metadata(o: &IndexOpts) -> MetadataConfig {
    MetadataConfig {
        arweave_gateway: o.arweave_gateway.clone(),
        ipfs_gateway: o.ipfs_gateway.clone(),
        enabled: !o.no_metadata,
        ..MetadataConfig::default()
    }
}

/// Stops on Ctrl-C.
fn stop_on_ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = tx.send(true);
    });
    rx
}

pub fn run(s: &Settings, cmd: IndexCmd) -> Result<Report> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| TesseraError::Invalid(format!("tokio runtime: {e}")))?;
    rt.block_on(async move {
        match cmd {
            IndexCmd::Run { opts, once, interval } => {
                let db = Db::open(&opts.database).await.map_err(err)?;
                let idx = Indexer::new(db, &s.url, metadata(&opts));
                if once {
                    let stats = idx.ingest(&IngestOptions::default()).await.map_err(err)?;
                    return Ok(IndexRun {
                        action: "index run",
                        database: opts.database,
                        stats,
                    }
                    .into());
                }
                idx.run(Duration::from_secs(interval), stop_on_ctrl_c())
                    .await
                    .map_err(err)?;
                Ok(crate::ServeStopped {
                    action: "index run",
                    stopped: true,
                }
                .into())
            }
            IndexCmd::Serve {
                opts,
                listen,
                interval,
                no_ingest,
                cors_origins,
            } => {
                let cors = crate::serve::cors::origins(&cors_origins)?;
                let db = Db::open(&opts.database).await.map_err(err)?;
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| TesseraError::Invalid(format!("cannot listen on {listen}: {e}")))?;
                eprintln!("index API on http://{listen}/v1/ (database {})", opts.database);
                let stop = stop_on_ctrl_c();
                let ingest = (!no_ingest).then(|| {
                    let idx = Indexer::new(db.clone(), &s.url, metadata(&opts));
                    let stop = stop.clone();
                    tokio::spawn(async move { idx.run(Duration::from_secs(interval), stop).await })
                });
                let mut api_stop = stop.clone();
                let app = crate::serve::cors::apply(tessera_indexer::api::router(db), cors);
                axum::serve(axum::serve::ListenerExt::tap_io(listener, crate::serve::nodelay), app)
                    .with_graceful_shutdown(async move {
                        let _ = api_stop.changed().await;
                    })
                    .await
                    .map_err(|e| err(tessera_indexer::Error::Io(e)))?;
                if let Some(task) = ingest {
                    task.await
                        .map_err(|e| TesseraError::Invalid(format!("index: {e}")))?
                        .map_err(err)?;
                }
                Ok(crate::ServeStopped {
                    action: "index serve",
                    stopped: true,
                }
                .into())
            }
            IndexCmd::Check { opts, no_ingest } => {
                let db = Db::open(&opts.database).await.map_err(err)?;
                if !no_ingest {
                    Indexer::new(db.clone(), &s.url, metadata(&opts))
                        .ingest(&IngestOptions::default())
                        .await
                        .map_err(err)?;
                }
                let report = tessera_indexer::check::check(&db, &s.url).await.map_err(err)?;
                if !report.differences.is_empty() {
                    let check = IndexCheck {
                        action: "index check",
                        database: opts.database,
                        report,
                    };
                    eprintln!("{}", check.human());
                    return Err(TesseraError::Invalid(format!(
                        "index check: {} differences between the database and the chain",
                        check.report.differences.len()
                    )));
                }
                Ok(IndexCheck {
                    action: "index check",
                    database: opts.database,
                    report,
                }
                .into())
            }
        }
    })
}
