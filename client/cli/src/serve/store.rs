//! The redeem signatures already honoured, kept in SQLite so that each is honoured once, across
//! restarts.

use std::{path::Path, sync::Mutex};

use rusqlite::{params, Connection};
use tessera_client::{Result, TesseraError};

pub struct RedeemStore(Mutex<Connection>);

impl RedeemStore {
    pub fn open(path: &Path) -> Result<Self> {
        let err = |e: rusqlite::Error| TesseraError::Invalid(format!("redeem store `{}`: {e}", path.display()));
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS redeemed (signature TEXT PRIMARY KEY, holder TEXT NOT NULL, at INTEGER NOT NULL);",
        )
        .map_err(err)?;
        Ok(Self(Mutex::new(conn)))
    }

    pub fn is_used(&self, signature: &str) -> bool {
        let conn = self.0.lock().expect("store lock");
        conn.query_row("SELECT 1 FROM redeemed WHERE signature = ?1", params![signature], |_| Ok(()))
            .is_ok()
    }

    /// Records a signature; false if it was already there (a concurrent use won the race).
    pub fn claim(&self, signature: &str, holder: &str, at: i64) -> bool {
        let conn = self.0.lock().expect("store lock");
        conn.execute(
            "INSERT OR IGNORE INTO redeemed (signature, holder, at) VALUES (?1, ?2, ?3)",
            params![signature, holder, at],
        )
        .map(|n| n == 1)
        .unwrap_or(false)
    }
}
