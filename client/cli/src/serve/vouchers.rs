//! The metered gate's books, in SQLite (WAL, `synchronous = FULL`: a voucher is on disk before
//! the answer it paid for leaves the gate).
//!
//! `channels`: one row per channel the gate took vouchers from. `accepted` is the cumulative
//! amount of the highest voucher accepted (the calls delivered), `voucher` that voucher (the one
//! to settle), `settled` the highest cumulative amount known settled on chain, `settled_at` when
//! the periodic settlement clock last started (the first acceptance or the last settlement).
//! `accepted` only grows, in a single `UPSERT … WHERE excluded.accepted > accepted`, so a lower
//! voucher can never replace a higher one, even from concurrent requests. `opened_at` is the
//! channel's own opening time: a channel opened again at the same address (same payer and id)
//! is another channel, and its row starts over.
//!
//! `free_calls`: the free calls each payer used, moved by one in `UPDATE … WHERE used < limit`.

use std::{path::Path, sync::Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use tessera_client::{channel::Voucher, Result, TesseraError};

pub struct VoucherStore {
    conn: Mutex<Connection>,
}

/// What the store knows of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelBook {
    pub channel: String,
    pub opened_at: i64,
    pub payer: String,
    /// The cumulative amount of the highest voucher accepted.
    pub accepted: u64,
    /// That voucher (`None` before the first one).
    pub voucher: Option<Voucher>,
    /// Paid calls delivered.
    pub calls: u64,
    /// The highest cumulative amount known settled on chain.
    pub settled: u64,
    pub settled_at: i64,
    /// The channel is gone from the chain (closed): nothing more to settle.
    pub closed: bool,
}

impl ChannelBook {
    /// What was delivered and not settled yet.
    pub fn unsettled(&self) -> u64 {
        self.accepted.saturating_sub(self.settled)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn store_error(e: rusqlite::Error) -> TesseraError {
    TesseraError::Invalid(format!("voucher store: {e}"))
}

const COLUMNS: &str = "channel, opened_at, payer, accepted, voucher, calls, settled, settled_at, closed";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChannelBook> {
    let voucher: Option<String> = r.get(4)?;
    Ok(ChannelBook {
        channel: r.get(0)?,
        opened_at: r.get(1)?,
        payer: r.get(2)?,
        accepted: to_u64(r.get(3)?),
        voucher: voucher.and_then(|v| Voucher::decode(&v).ok()),
        calls: to_u64(r.get(5)?),
        settled: to_u64(r.get(6)?),
        settled_at: r.get(7)?,
        closed: r.get::<_, i64>(8)? != 0,
    })
}

impl VoucherStore {
    pub fn open(path: &Path) -> Result<Self> {
        let err = |e: rusqlite::Error| TesseraError::Invalid(format!("voucher store `{}`: {e}", path.display()));
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS channels (
                 channel TEXT PRIMARY KEY,
                 opened_at INTEGER NOT NULL,
                 payer TEXT NOT NULL,
                 accepted INTEGER NOT NULL CHECK (accepted >= 0),
                 voucher TEXT,
                 calls INTEGER NOT NULL DEFAULT 0,
                 settled INTEGER NOT NULL DEFAULT 0,
                 settled_at INTEGER NOT NULL,
                 closed INTEGER NOT NULL DEFAULT 0
             );
             CREATE TABLE IF NOT EXISTS free_calls (
                 payer TEXT PRIMARY KEY,
                 used INTEGER NOT NULL CHECK (used >= 0)
             );",
        )
        .map_err(err)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    pub fn get(&self, channel: &str) -> Result<Option<ChannelBook>> {
        let conn = self.conn.lock().expect("store lock");
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM channels WHERE channel = ?1"),
            params![channel],
            row,
        )
        .optional()
        .map_err(store_error)
    }

    /// Forgets a channel whose address now holds another channel (opened at another time).
    pub fn forget(&self, channel: &str) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute("DELETE FROM channels WHERE channel = ?1", params![channel])
            .map(|_| ())
            .map_err(store_error)
    }

    /// Records `voucher` as the channel's highest, for one more delivered call. Returns `false`
    /// (and changes nothing) when the store already holds a voucher at least as high.
    pub fn accept(&self, opened_at: i64, payer: &str, voucher: &Voucher, now: i64) -> Result<bool> {
        let conn = self.conn.lock().expect("store lock");
        let changed = conn
            .execute(
                "INSERT INTO channels (channel, opened_at, payer, accepted, voucher, calls, settled, settled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6)
                 ON CONFLICT (channel) DO UPDATE SET
                     accepted = excluded.accepted, voucher = excluded.voucher, calls = calls + 1
                 WHERE excluded.accepted > channels.accepted",
                params![
                    voucher.channel.to_string(),
                    opened_at,
                    payer,
                    to_i64(voucher.cumulative),
                    voucher.encode(),
                    now
                ],
            )
            .map_err(store_error)?;
        Ok(changed == 1)
    }

    /// Channels with delivered calls not settled yet, and not closed.
    pub fn unsettled(&self) -> Result<Vec<ChannelBook>> {
        let conn = self.conn.lock().expect("store lock");
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM channels WHERE accepted > settled AND closed = 0 ORDER BY channel"
            ))
            .map_err(store_error)?;
        let rows = stmt.query_map([], row).map_err(store_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_error)
    }

    /// Records that the chain settled `cumulative` on the channel (never lowers it) and restarts
    /// the periodic clock.
    pub fn settled(&self, channel: &str, cumulative: u64, now: i64) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute(
            "UPDATE channels SET settled = MAX(settled, ?2), settled_at = ?3 WHERE channel = ?1",
            params![channel, to_i64(cumulative), now],
        )
        .map(|_| ())
        .map_err(store_error)
    }

    /// The channel is gone from the chain: nothing more will be settled on it.
    pub fn closed(&self, channel: &str) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute("UPDATE channels SET closed = 1 WHERE channel = ?1", params![channel])
            .map(|_| ())
            .map_err(store_error)
    }

    /// Uses one of `payer`'s `limit` free calls: how many it has used with this one, or `None`
    /// when none is left.
    pub fn use_free_call(&self, payer: &str, limit: u64) -> Result<Option<u64>> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute(
            "INSERT OR IGNORE INTO free_calls (payer, used) VALUES (?1, 0)",
            params![payer],
        )
        .map_err(store_error)?;
        conn.query_row(
            "UPDATE free_calls SET used = used + 1 WHERE payer = ?1 AND used < ?2 RETURNING used",
            params![payer, to_i64(limit)],
            |r| r.get::<_, i64>(0).map(to_u64),
        )
        .optional()
        .map_err(store_error)
    }

    /// Gives back a free call that delivered nothing.
    pub fn give_back_free_call(&self, payer: &str) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute(
            "UPDATE free_calls SET used = used - 1 WHERE payer = ?1 AND used > 0",
            params![payer],
        )
        .map(|_| ())
        .map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_keypair::Keypair;
    use tessera_client::Pubkey;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tessera-vouchers-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("vouchers.sqlite3")
    }

    #[test]
    fn the_highest_voucher_is_kept_across_reopens_and_never_lowered() {
        let path = tmp("highest");
        let signer = Keypair::new();
        let ch = Pubkey::new_unique();
        let v = |c| Voucher::sign(&signer, &ch, c, 0);
        let s = VoucherStore::open(&path).unwrap();
        assert_eq!(s.get(&ch.to_string()).unwrap(), None);
        assert!(s.accept(7, "payer", &v(10), 100).unwrap());
        assert!(s.accept(7, "payer", &v(20), 101).unwrap());
        assert!(!s.accept(7, "payer", &v(20), 102).unwrap(), "the same amount again");
        assert!(!s.accept(7, "payer", &v(15), 102).unwrap(), "a lower one");
        drop(s);
        let s = VoucherStore::open(&path).unwrap();
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!(
            (b.accepted, b.calls, b.settled, b.settled_at, b.opened_at),
            (20, 2, 0, 100, 7)
        );
        assert_eq!(b.voucher, Some(v(20)));
        assert_eq!(b.unsettled(), 20);
        assert_eq!(s.unsettled().unwrap().len(), 1);
        s.settled(&ch.to_string(), 20, 200).unwrap();
        s.settled(&ch.to_string(), 10, 201).unwrap();
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!((b.settled, b.settled_at), (20, 201), "settled never goes down");
        assert!(s.unsettled().unwrap().is_empty());
        assert!(s.accept(7, "payer", &v(30), 300).unwrap());
        assert_eq!(s.unsettled().unwrap()[0].unsettled(), 10);
        s.closed(&ch.to_string()).unwrap();
        assert!(s.unsettled().unwrap().is_empty(), "a closed channel is not settled");
        s.forget(&ch.to_string()).unwrap();
        assert_eq!(s.get(&ch.to_string()).unwrap(), None);
    }

    #[test]
    fn free_calls_are_counted_per_payer_and_given_back() {
        let s = VoucherStore::open(&tmp("free")).unwrap();
        assert_eq!(s.use_free_call("a", 2).unwrap(), Some(1));
        assert_eq!(s.use_free_call("a", 2).unwrap(), Some(2));
        assert_eq!(s.use_free_call("a", 2).unwrap(), None);
        assert_eq!(s.use_free_call("b", 2).unwrap(), Some(1));
        s.give_back_free_call("a").unwrap();
        assert_eq!(s.use_free_call("a", 2).unwrap(), Some(2));
        assert_eq!(s.use_free_call("c", 0).unwrap(), None, "no free tier");
    }
}
