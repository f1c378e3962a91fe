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
//! `fallback` is the highest accepted voucher *without an expiry* (audit D2): an expiring
//! voucher may lapse before it is settled (the chain down through its last minutes), and then
//! the gate settles the fallback rather than nothing; it only grows with `accepted`.
//!
//! `delivered` says whether the answer to the call that `voucher` paid for was handed to the
//! connection (audit D3): `accept` writes 0 in the same synced write as the voucher, and
//! [`VoucherStore::delivered`] writes 1 once the answer's body has gone out. A voucher still
//! at 0 after a restart paid for a call whose answer was lost: it may be presented once more and
//! is forwarded again without charge (see `metered`). Rows written before this column existed
//! count as delivered.
//!
//! `free_calls`: the free calls each payer wallet used, moved by one in
//! `UPDATE … WHERE used < limit`.

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
    /// The highest accepted voucher with no expiry, if any: settled when `voucher` expired.
    pub fallback: Option<Voucher>,
    /// The answer to the call `voucher` paid for was sent (`false`: paid, answer lost).
    pub delivered: bool,
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

const COLUMNS: &str =
    "channel, opened_at, payer, accepted, voucher, calls, settled, settled_at, closed, fallback, delivered";

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
        fallback: r.get::<_, Option<String>>(9)?.and_then(|v| Voucher::decode(&v).ok()),
        delivered: r.get::<_, i64>(10)? != 0,
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
        // Columns added since the first release: a store written by an older gate gains them.
        for (column, definition) in [
            ("fallback", "fallback TEXT"),
            ("delivered", "delivered INTEGER NOT NULL DEFAULT 1"),
        ] {
            let present: bool = conn
                .query_row(
                    "SELECT COUNT(*) FROM pragma_table_info('channels') WHERE name = ?1",
                    params![column],
                    |r| r.get::<_, i64>(0).map(|n| n > 0),
                )
                .map_err(err)?;
            if !present {
                conn.execute_batch(&format!("ALTER TABLE channels ADD COLUMN {definition}"))
                    .map_err(err)?;
            }
        }
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

    /// Records `voucher` as the channel's highest, for one more call, its answer not sent yet
    /// (`delivered = 0`); a voucher without expiry is the new fallback too. Returns `false` (and
    /// changes nothing) when the store already holds a voucher at least as high.
    pub fn accept(&self, opened_at: i64, payer: &str, voucher: &Voucher, now: i64) -> Result<bool> {
        let conn = self.conn.lock().expect("store lock");
        let encoded = voucher.encode();
        let fallback = (voucher.expiry == 0).then_some(encoded.as_str());
        let changed = conn
            .execute(
                "INSERT INTO channels (channel, opened_at, payer, accepted, voucher, calls, settled, settled_at, fallback, delivered)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6, ?7, 0)
                 ON CONFLICT (channel) DO UPDATE SET
                     accepted = excluded.accepted, voucher = excluded.voucher, calls = calls + 1,
                     fallback = COALESCE(excluded.fallback, channels.fallback), delivered = 0
                 WHERE excluded.accepted > channels.accepted",
                params![
                    voucher.channel.to_string(),
                    opened_at,
                    payer,
                    to_i64(voucher.cumulative),
                    encoded,
                    now,
                    fallback
                ],
            )
            .map_err(store_error)?;
        Ok(changed == 1)
    }

    /// The answer to the call paid by the channel's voucher of `cumulative` was sent (nothing
    /// changes if a higher voucher was accepted since).
    ///
    /// Written without its own `fsync` (`synchronous = NORMAL` for this one statement): a
    /// process crash keeps it (the WAL is written), the next synced write makes it durable, and
    /// a power loss in between costs at most one more answer to that voucher, not money.
    pub fn delivered(&self, channel: &str, cumulative: u64) -> Result<()> {
        let conn = self.conn.lock().expect("store lock");
        conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(store_error)?;
        let updated = conn
            .execute(
                "UPDATE channels SET delivered = 1 WHERE channel = ?1 AND accepted = ?2",
                params![channel, to_i64(cumulative)],
            )
            .map(|_| ())
            .map_err(store_error);
        conn.execute_batch("PRAGMA synchronous = FULL").map_err(store_error)?;
        updated
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

    /// The free calls `payer` used.
    pub fn free_calls_used(&self, payer: &str) -> Result<u64> {
        let conn = self.conn.lock().expect("store lock");
        conn.query_row("SELECT used FROM free_calls WHERE payer = ?1", params![payer], |r| {
            r.get::<_, i64>(0).map(to_u64)
        })
        .optional()
        .map(|u| u.unwrap_or(0))
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
        assert_eq!(b.fallback, Some(v(20)), "no expiry: the fallback too");
        assert!(!b.delivered, "not marked sent");
        s.delivered(&ch.to_string(), 10).unwrap();
        assert!(
            !s.get(&ch.to_string()).unwrap().unwrap().delivered,
            "an older voucher's answer"
        );
        s.delivered(&ch.to_string(), 20).unwrap();
        assert!(s.get(&ch.to_string()).unwrap().unwrap().delivered);
        let sync: i64 = s
            .conn
            .lock()
            .unwrap()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "vouchers are synced again (FULL)");
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
        assert_eq!(
            (s.free_calls_used("a").unwrap(), s.free_calls_used("nobody").unwrap()),
            (2, 0)
        );
    }

    #[test]
    fn an_expiring_voucher_keeps_the_last_one_without_expiry_as_fallback() {
        // Audit D2: an expiring voucher replaced the last one without expiry; had it lapsed
        // unsettled, the gate could settle nothing of what it delivered.
        let s = VoucherStore::open(&tmp("fallback")).unwrap();
        let signer = Keypair::new();
        let ch = Pubkey::new_unique();
        let v = |c, expiry| Voucher::sign(&signer, &ch, c, expiry);
        assert!(s.accept(1, "payer", &v(10, 5_000), 100).unwrap());
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!((b.voucher, b.fallback), (Some(v(10, 5_000)), None));
        assert!(s.accept(1, "payer", &v(20, 0), 101).unwrap());
        assert!(s.accept(1, "payer", &v(30, 5_000), 102).unwrap());
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!((b.voucher, b.fallback), (Some(v(30, 5_000)), Some(v(20, 0))));
        assert!(s.accept(1, "payer", &v(40, 0), 103).unwrap());
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!((b.voucher, b.fallback), (Some(v(40, 0)), Some(v(40, 0))));
    }

    #[test]
    fn a_store_of_an_older_gate_gains_the_new_columns() {
        let path = tmp("migrate");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE channels (channel TEXT PRIMARY KEY, opened_at INTEGER NOT NULL, payer TEXT NOT NULL,
                     accepted INTEGER NOT NULL CHECK (accepted >= 0), voucher TEXT, calls INTEGER NOT NULL DEFAULT 0,
                     settled INTEGER NOT NULL DEFAULT 0, settled_at INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0);
                 INSERT INTO channels (channel, opened_at, payer, accepted, settled_at) VALUES ('c', 1, 'p', 10, 5);",
            )
            .unwrap();
        }
        let s = VoucherStore::open(&path).unwrap();
        let b = s.get("c").unwrap().unwrap();
        assert_eq!((b.accepted, b.fallback, b.delivered), (10, None, true));
        drop(s);
        VoucherStore::open(&path).unwrap();
    }
}
