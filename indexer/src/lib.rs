//! Tessera indexer: reads the programs' confirmed transactions from any RPC endpoint, decodes
//! the `emit_cpi!` events from their inner instructions and writes them, with projections
//! (assets, sales, passes, splits, claims, jobs, providers, bonds, channels…), to SQL: SQLite
//! (a file, the default) or Postgres, through one code path (sqlx's `Any` driver, portable SQL,
//! versioned migrations). Serves an HTTP JSON API over the database ([`api`]) and reconciles
//! the database with the chain ([`check`]).
//!
//! Used by the CLI (`tessera index serve|run|check`) and by the tests.

pub mod api;
pub mod check;
pub mod db;
pub mod decode;
pub mod ingest;
pub mod metadata;
pub mod pg_server;
pub mod project;

pub use db::Db;
pub use ingest::{Indexer, IngestOptions, IngestStats};
pub use metadata::MetadataConfig;

/// What can go wrong while indexing, serving or checking.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("RPC: {0}")]
    Rpc(String),
    /// A value the schema cannot hold (e.g. an amount above i64::MAX) or an inconsistent event.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
