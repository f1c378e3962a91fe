//! The database: a pool of sqlx's `Any` driver over SQLite or Postgres, and the versioned
//! migrations (embedded; sqlx's own `_sqlx_migrations` table records what ran).

use std::borrow::Cow;

use sqlx::{
    any::AnyPoolOptions,
    migrate::{Migration, MigrationType, Migrator},
    AnyPool,
};

use crate::{Error, Result};

/// The migrations, in order. Each is portable SQL (the same text runs on both databases).
/// Built without sqlx's `macros` feature (which would compile the drivers a second time for
/// the proc-macro host); `sqlx::migrate!` builds the same `Migrator`.
fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(vec![
            Migration::new(
                1,
                Cow::Borrowed("init"),
                MigrationType::Simple,
                Cow::Borrowed(include_str!("../migrations/0001_init.sql")),
                false,
            ),
            Migration::new(
                2,
                Cow::Borrowed("job parents"),
                MigrationType::Simple,
                Cow::Borrowed(include_str!("../migrations/0002_job_parents.sql")),
                false,
            ),
            Migration::new(
                3,
                Cow::Borrowed("fee sweeps"),
                MigrationType::Simple,
                Cow::Borrowed(include_str!("../migrations/0003_fee_sweeps.sql")),
                false,
            ),
        ]),
        ..Migrator::DEFAULT
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Opens (creating a SQLite file if missing) and migrates the database at `url`:
    /// `sqlite://PATH` (or a bare path) or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, backend) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (url.to_string(), Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            (with_create(url), Backend::Sqlite)
        } else if url.contains("://") {
            return Err(Error::Invalid(format!(
                "unsupported database URL `{url}`: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        } else {
            (with_create(&format!("sqlite://{url}")), Backend::Sqlite)
        };
        let max = match backend {
            // One writer at a time anyway; readers (the API) share the rest.
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // Per connection: in WAL mode, NORMAL syncs at checkpoints, not at every
                        // commit; a crash of the process loses nothing committed (a power loss
                        // may lose the last commits, which the cursors then re-ingest).
                        sqlx::Executor::execute(&mut *conn, "PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if sqlite {
            // Readers do not wait for the writer (persistent in the file).
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        migrator().run(&pool).await?;
        Ok(Self { pool, backend })
    }
}

fn with_create(url: &str) -> String {
    if url.contains('?') || url.contains(":memory:") {
        url.to_string()
    } else {
        format!("{url}?mode=rwc")
    }
}

/// An amount or count into the schema's BIGINT.
pub fn int(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::Invalid(format!("{v} does not fit the database's BIGINT (i64)")))
}

/// A BIGINT read back as a u64 (never negative for the columns that use it).
pub fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
