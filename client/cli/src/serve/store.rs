//! The redemptions the gate honours, kept in SQLite so that a redemption of N units gives at
//! most N deliveries in total, across restarts.
//!
//! One row per (transaction signature, holder, asset): `units` is what that holder redeemed of
//! that asset in that transaction (read from the chain once, when the signature is first
//! presented), `used` how many deliveries it has paid for. `used` only moves by one, in a
//! single `UPDATE … WHERE used < units`, so concurrent requests cannot overdraw it.
//!
//! The store of earlier versions (table `redeemed`: each signature honoured once) is kept and
//! read: a signature it lists counts as one delivery already made for its holder.

use std::{path::Path, sync::Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use tessera_client::{Result, TesseraError};

pub struct RedeemStore {
    conn: Mutex<Connection>,
    /// Whether the earlier versions' `redeemed` table exists.
    legacy: bool,
}

/// A redemption as the store knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    pub units: u64,
    pub used: u64,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl RedeemStore {
    pub fn open(path: &Path) -> Result<Self> {
        let err = |e: rusqlite::Error| TesseraError::Invalid(format!("redeem store `{}`: {e}", path.display()));
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS redemptions (
                 signature TEXT NOT NULL,
                 holder TEXT NOT NULL,
                 asset TEXT NOT NULL,
                 units INTEGER NOT NULL CHECK (units > 0),
                 used INTEGER NOT NULL CHECK (used >= 0 AND used <= units),
                 first_at INTEGER NOT NULL,
                 last_at INTEGER,
                 PRIMARY KEY (signature, holder, asset)
             );",
        )
        .map_err(err)?;
        let legacy = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'redeemed'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(err)?
            .is_some();
        Ok(Self {
            conn: Mutex::new(conn),
            legacy,
        })
    }

    /// What the store knows of this holder's redemption of this asset in this transaction.
    pub fn get(&self, signature: &str, holder: &str, asset: &str) -> Result<Option<Redemption>> {
        let conn = self.conn.lock().expect("store lock");
        conn.query_row(
            "SELECT units, used FROM redemptions WHERE signature = ?1 AND holder = ?2 AND asset = ?3",
            params![signature, holder, asset],
            |r| {
                Ok(Redemption {
                    units: to_u64(r.get(0)?),
                    used: to_u64(r.get(1)?),
                })
            },
        )
        .optional()
        .map_err(|e| TesseraError::Invalid(format!("redeem store: {e}")))
    }

    /// Records a redemption of `units` read from the chain (nothing if it is already recorded:
    /// a concurrent request recorded the same on-chain fact). A signature that the earlier
    /// store lists for this holder starts with one delivery used.
    pub fn record(&self, signature: &str, holder: &str, asset: &str, units: u64, at: i64) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        let sql = if self.legacy {
            "INSERT OR IGNORE INTO redemptions (signature, holder, asset, units, used, first_at)
             VALUES (?1, ?2, ?3, ?4, MIN(?4, (SELECT COUNT(*) FROM redeemed WHERE signature = ?1 AND holder = ?2)), ?5)"
        } else {
            "INSERT OR IGNORE INTO redemptions (signature, holder, asset, units, used, first_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)"
        };
        conn.execute(sql, params![signature, holder, asset, to_i64(units), at])
            .map(|_| ())
            .map_err(|e| TesseraError::Invalid(format!("redeem store: {e}")))
    }

    /// Uses one delivery of a recorded redemption: the redemption after it, or `None` if all
    /// its units were already used (or it is not recorded).
    pub fn use_one(&self, signature: &str, holder: &str, asset: &str, at: i64) -> Result<Option<Redemption>> {
        let conn = self.conn.lock().expect("store lock");
        conn.query_row(
            "UPDATE redemptions SET used = used + 1, last_at = ?4
             WHERE signature = ?1 AND holder = ?2 AND asset = ?3 AND used < units
             RETURNING units, used",
            params![signature, holder, asset, at],
            |r| {
                Ok(Redemption {
                    units: to_u64(r.get(0)?),
                    used: to_u64(r.get(1)?),
                })
            },
        )
        .optional()
        .map_err(|e| TesseraError::Invalid(format!("redeem store: {e}")))
    }

    /// Gives back one delivery used by [`RedeemStore::use_one`] for a request that then
    /// delivered nothing (upstream down, unreadable body, …).
    pub fn give_back(&self, signature: &str, holder: &str, asset: &str) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute(
            "UPDATE redemptions SET used = used - 1 WHERE signature = ?1 AND holder = ?2 AND asset = ?3 AND used > 0",
            params![signature, holder, asset],
        )
        .map(|_| ())
        .map_err(|e| TesseraError::Invalid(format!("redeem store: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tessera-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("redeemed.sqlite3")
    }

    #[test]
    fn a_redemption_of_n_units_is_used_n_times_across_reopens() {
        let path = tmp("n");
        let s = RedeemStore::open(&path).unwrap();
        assert_eq!(s.get("sig", "h", "a").unwrap(), None);
        assert_eq!(s.use_one("sig", "h", "a", 1).unwrap(), None, "unrecorded");
        s.record("sig", "h", "a", 3, 1).unwrap();
        s.record("sig", "h", "a", 3, 2).unwrap(); // a concurrent record changes nothing
        assert_eq!(
            s.use_one("sig", "h", "a", 2).unwrap(),
            Some(Redemption { units: 3, used: 1 })
        );
        assert_eq!(
            s.use_one("sig", "h", "a", 2).unwrap(),
            Some(Redemption { units: 3, used: 2 })
        );
        drop(s);
        let s = RedeemStore::open(&path).unwrap();
        assert_eq!(s.get("sig", "h", "a").unwrap(), Some(Redemption { units: 3, used: 2 }));
        assert_eq!(
            s.use_one("sig", "h", "a", 3).unwrap(),
            Some(Redemption { units: 3, used: 3 })
        );
        assert_eq!(s.use_one("sig", "h", "a", 3).unwrap(), None);
        // Another holder or another asset is another row: nothing of this one.
        assert_eq!(s.use_one("sig", "other", "a", 3).unwrap(), None);
        assert_eq!(s.use_one("sig", "h", "other", 3).unwrap(), None);
        // A delivery given back can be used again, once.
        s.give_back("sig", "h", "a").unwrap();
        assert_eq!(
            s.use_one("sig", "h", "a", 4).unwrap(),
            Some(Redemption { units: 3, used: 3 })
        );
        assert_eq!(s.use_one("sig", "h", "a", 4).unwrap(), None);
    }

    #[test]
    fn a_signature_the_earlier_store_honoured_counts_as_one_delivery() {
        let path = tmp("legacy");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE redeemed (signature TEXT PRIMARY KEY, holder TEXT NOT NULL, at INTEGER NOT NULL);
             INSERT INTO redeemed VALUES ('old', 'h', 1);",
        )
        .unwrap();
        drop(conn);
        let s = RedeemStore::open(&path).unwrap();
        s.record("old", "h", "a", 1, 2).unwrap();
        assert_eq!(
            s.use_one("old", "h", "a", 2).unwrap(),
            None,
            "its one unit was used by the earlier gate"
        );
        s.record("old", "h", "b", 2, 2).unwrap();
        assert_eq!(s.get("old", "h", "b").unwrap(), Some(Redemption { units: 2, used: 1 }));
        s.record("old", "other", "a", 1, 2).unwrap();
        assert_eq!(
            s.get("old", "other", "a").unwrap(),
            Some(Redemption { units: 1, used: 0 })
        );
    }
}
