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
//!
//! **Group commit.** Every write goes to one writer thread, which owns the only connection that
//! writes. It waits for a first write, takes whatever other writes are queued behind it at that
//! moment (at most [`MAX_BATCH`]; no waiting for more: the writes that arrive while a batch is
//! being synced make the next batch), runs them in their order of arrival inside one
//! `BEGIN IMMEDIATE … COMMIT` (each in a savepoint of its own, so that a write that fails leaves
//! the others of its batch untouched), and answers each caller only once that `COMMIT` has
//! returned: concurrent channels share one `fsync` instead of queueing for one each, and a
//! caller's `Ok` still means its write is on disk. A batch whose transaction fails (`BEGIN`,
//! `COMMIT`, or an error that rolls the whole transaction back) answers every caller in it with
//! that error, whatever its own statement did: nothing of that batch is written. A batch made
//! only of [`VoucherStore::delivered`] writes is committed with `synchronous = NORMAL` (written
//! to the WAL, no `fsync`); any other batch with `synchronous = FULL`. Reads use a connection of
//! their own (WAL: they see every committed batch and never wait for the writer's `fsync`).
//! A dead writer thread or a poisoned lock is an error of the call, never a panic.

use std::{
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc, Arc, Mutex,
    },
    thread::JoinHandle,
    time::Duration,
};

use rusqlite::{params, Connection, OptionalExtension};
use tessera_client::{channel::Voucher, Result, TesseraError};

/// The most writes committed in one transaction (a bound on a batch's latency, not a target:
/// a batch takes what is queued, never waits to fill up).
const MAX_BATCH: usize = 256;

/// How long the writer waits for SQLite's write lock when another process holds it.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct VoucherStore {
    /// The connection of the reads (`get`, `unsettled`, `free_calls_used`).
    read: Mutex<Connection>,
    /// Writes for the writer thread (`None` only while the store is dropped).
    jobs: Option<mpsc::Sender<Job>>,
    /// The writer thread, joined when the store is dropped.
    writer: Option<JoinHandle<()>>,
    /// Counters of the writer (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    stats: Arc<Stats>,
}

/// What the writer has done so far.
#[derive(Default)]
struct Stats {
    /// Writes queued (sent to the writer).
    queued: AtomicU64,
    /// Transactions committed.
    batches: AtomicU64,
}

/// How a write answers its caller once its batch's outcome is known: `Ok(())` when the batch
/// was committed (the caller gets its own statement's result), else the batch's error.
type Reply = Box<dyn FnOnce(std::result::Result<(), &str>) + Send>;

/// Runs a write inside its batch's transaction (`None`: the batch failed before reaching it,
/// nothing is run) and gives back how to answer its caller.
type Run = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;

/// A write queued for the writer thread.
struct Job {
    /// Needs the batch to be synced (`synchronous = FULL`); only `delivered` does not.
    durable: bool,
    /// The write (see [`Run`]).
    run: Run,
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

fn writer_stopped() -> TesseraError {
    TesseraError::Invalid("voucher store: its writer thread stopped; restart the gate".into())
}

/// The statement that records a voucher (see [`VoucherStore::accept`]).
const ACCEPT: &str = "INSERT INTO channels (channel, opened_at, payer, accepted, voucher, calls, settled, settled_at, fallback, delivered)
     VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6, ?7, 0)
     ON CONFLICT (channel) DO UPDATE SET
         accepted = excluded.accepted, voucher = excluded.voucher, calls = calls + 1,
         fallback = COALESCE(excluded.fallback, channels.fallback), delivered = 0
     WHERE excluded.accepted > channels.accepted";

impl VoucherStore {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, BUSY_TIMEOUT)
    }

    fn open_with(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let err = |e: rusqlite::Error| TesseraError::Invalid(format!("voucher store `{}`: {e}", path.display()));
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(busy_timeout).map_err(err)?;
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
        let read = Connection::open(path).map_err(err)?;
        read.execute_batch("PRAGMA query_only = ON").map_err(err)?;
        let stats = Arc::new(Stats::default());
        let (jobs, queue) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("voucher-store".into())
            .spawn({
                let stats = stats.clone();
                move || write_batches(conn, queue, &stats)
            })
            .map_err(|e| {
                TesseraError::Invalid(format!(
                    "voucher store `{}`: could not start its writer thread: {e}",
                    path.display()
                ))
            })?;
        Ok(Self {
            read: Mutex::new(read),
            jobs: Some(jobs),
            writer: Some(writer),
            stats,
        })
    }

    /// Runs `f` on the read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.read.lock().map_err(|_| {
            TesseraError::Invalid("voucher store: a read panicked holding the read connection; restart the gate".into())
        })?;
        f(&conn).map_err(store_error)
    }

    /// Queues `f` for the writer thread and waits until the batch it joined is committed (see
    /// the module): its result then, or the batch's error.
    fn write<T: Send + 'static>(
        &self,
        durable: bool,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = mpsc::sync_channel(1);
        let run = move |conn: Option<&Connection>| -> Reply {
            let out = conn.map(|c| in_savepoint(c, f).map_err(store_error));
            Box::new(move |batch: std::result::Result<(), &str>| {
                let result = match (batch, out) {
                    (Ok(()), Some(out)) => out,
                    (Ok(()), None) => Err(TesseraError::Invalid("voucher store: the write was not run".into())),
                    (Err(e), _) => Err(TesseraError::Invalid(format!(
                        "voucher store: {e}; nothing of this batch was written"
                    ))),
                };
                // A caller that is gone has nobody to answer.
                let _ = answer.send(result);
            })
        };
        let jobs = self.jobs.as_ref().ok_or_else(writer_stopped)?;
        jobs.send(Job {
            durable,
            run: Box::new(run),
        })
        .map_err(|_| writer_stopped())?;
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        answered.recv().map_err(|_| writer_stopped())?
    }

    pub fn get(&self, channel: &str) -> Result<Option<ChannelBook>> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM channels WHERE channel = ?1"),
                params![channel],
                row,
            )
            .optional()
        })
    }

    /// Forgets a channel whose address now holds another channel (opened at another time).
    pub fn forget(&self, channel: &str) -> Result<()> {
        let channel = channel.to_string();
        self.write(true, move |conn| {
            conn.execute("DELETE FROM channels WHERE channel = ?1", params![channel])
                .map(|_| ())
        })
    }

    /// Records `voucher` as the channel's highest, for one more call, its answer not sent yet
    /// (`delivered = 0`); a voucher without expiry is the new fallback too. Returns `false` (and
    /// changes nothing) when the store already holds a voucher at least as high. Returns once
    /// the write is synced to disk, with the other writes of its batch (see the module).
    pub fn accept(&self, opened_at: i64, payer: &str, voucher: &Voucher, now: i64) -> Result<bool> {
        let (payer, channel, cumulative) = (payer.to_string(), voucher.channel.to_string(), voucher.cumulative);
        let encoded = voucher.encode();
        let fallback = (voucher.expiry == 0).then(|| encoded.clone());
        self.write(true, move |conn| {
            let changed = conn.prepare_cached(ACCEPT)?.execute(params![
                channel,
                opened_at,
                payer,
                to_i64(cumulative),
                encoded,
                now,
                fallback
            ])?;
            Ok(changed == 1)
        })
    }

    /// The answer to the call paid by the channel's voucher of `cumulative` was sent (nothing
    /// changes if a higher voucher was accepted since).
    ///
    /// Written without its own `fsync`: it returns once its batch is committed, and a batch of
    /// nothing but `delivered` writes is committed with `synchronous = NORMAL` (one that holds
    /// other writes is synced, like them). A process crash keeps it (the WAL is written), the
    /// next synced batch makes it durable, and a power loss in between costs at most one more
    /// answer to that voucher, not money.
    pub fn delivered(&self, channel: &str, cumulative: u64) -> Result<()> {
        let channel = channel.to_string();
        self.write(false, move |conn| {
            conn.prepare_cached("UPDATE channels SET delivered = 1 WHERE channel = ?1 AND accepted = ?2")?
                .execute(params![channel, to_i64(cumulative)])
                .map(|_| ())
        })
    }

    /// Channels with delivered calls not settled yet, and not closed.
    pub fn unsettled(&self) -> Result<Vec<ChannelBook>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM channels WHERE accepted > settled AND closed = 0 ORDER BY channel"
            ))?;
            let rows = stmt.query_map([], row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
    }

    /// Records that the chain settled `cumulative` on the channel opened at `opened_at` (never
    /// lowers it) and restarts the periodic clock. Keyed by the opening too: a channel opened
    /// again at the same address since the settler read its books is another channel, whose
    /// books this must not touch.
    pub fn settled(&self, channel: &str, opened_at: i64, cumulative: u64, now: i64) -> Result<()> {
        let channel = channel.to_string();
        self.write(true, move |conn| {
            conn.execute(
                "UPDATE channels SET settled = MAX(settled, ?2), settled_at = ?3 WHERE channel = ?1 AND opened_at = ?4",
                params![channel, to_i64(cumulative), now, opened_at],
            )
            .map(|_| ())
        })
    }

    /// The channel opened at `opened_at` is gone from the chain: nothing more will be settled
    /// on it (a channel opened again at the same address keeps its books open).
    pub fn closed(&self, channel: &str, opened_at: i64) -> Result<()> {
        let channel = channel.to_string();
        self.write(true, move |conn| {
            conn.execute(
                "UPDATE channels SET closed = 1 WHERE channel = ?1 AND opened_at = ?2",
                params![channel, opened_at],
            )
            .map(|_| ())
        })
    }

    /// The free calls `payer` used.
    pub fn free_calls_used(&self, payer: &str) -> Result<u64> {
        self.read(|conn| {
            conn.query_row("SELECT used FROM free_calls WHERE payer = ?1", params![payer], |r| {
                r.get::<_, i64>(0).map(to_u64)
            })
            .optional()
            .map(|u| u.unwrap_or(0))
        })
    }

    /// Uses one of `payer`'s `limit` free calls: how many it has used with this one, or `None`
    /// when none is left.
    pub fn use_free_call(&self, payer: &str, limit: u64) -> Result<Option<u64>> {
        let payer = payer.to_string();
        self.write(true, move |conn| {
            conn.execute(
                "INSERT OR IGNORE INTO free_calls (payer, used) VALUES (?1, 0)",
                params![payer],
            )?;
            conn.query_row(
                "UPDATE free_calls SET used = used + 1 WHERE payer = ?1 AND used < ?2 RETURNING used",
                params![payer, to_i64(limit)],
                |r| r.get::<_, i64>(0).map(to_u64),
            )
            .optional()
        })
    }

    /// Gives back a free call that delivered nothing.
    pub fn give_back_free_call(&self, payer: &str) -> Result<()> {
        let payer = payer.to_string();
        self.write(true, move |conn| {
            conn.execute(
                "UPDATE free_calls SET used = used - 1 WHERE payer = ?1 AND used > 0",
                params![payer],
            )
            .map(|_| ())
        })
    }
}

impl Drop for VoucherStore {
    /// Lets the writer finish what is queued, then waits for it (its connection closed).
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(writer) = self.writer.take() {
            // A writer that panicked already answered its callers with errors.
            let _ = writer.join();
        }
    }
}

/// The writer thread: takes the first queued write and whatever is queued behind it, commits
/// them as one batch, and so on until the store is dropped.
fn write_batches(conn: Connection, queue: mpsc::Receiver<Job>, stats: &Stats) {
    // `open` left the connection at `synchronous = FULL`.
    let mut full = true;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if commit(&conn, batch, &mut full) {
            stats.batches.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs `batch` in one transaction, in order, and answers every caller once the transaction's
/// outcome is known. `full` tracks the connection's `synchronous` level. Whether it committed.
fn commit(conn: &Connection, batch: Vec<Job>, full: &mut bool) -> bool {
    if !conn.is_autocommit() {
        // A transaction left open by a failed ROLLBACK: nothing of it was answered as written.
        let _ = conn.execute_batch("ROLLBACK");
    }
    let durable = batch.iter().any(|job| job.durable);
    let mut begun = Ok(());
    if durable != *full {
        begun = conn.execute_batch(if durable {
            "PRAGMA synchronous = FULL"
        } else {
            "PRAGMA synchronous = NORMAL"
        });
        if begun.is_ok() {
            *full = durable;
        }
    }
    let begun = begun.and_then(|()| conn.execute_batch("BEGIN IMMEDIATE"));
    let mut replies = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let outcome = match begun {
        Err(e) => Err(e.to_string()),
        Ok(()) => {
            let mut rolled_back = false;
            for job in jobs.by_ref() {
                replies.push((job.run)(Some(conn)));
                // An error such as a full disk or an I/O error ends the whole transaction.
                if conn.is_autocommit() {
                    rolled_back = true;
                    break;
                }
            }
            if rolled_back {
                Err("an error of one of its writes rolled the batch back".to_string())
            } else {
                conn.execute_batch("COMMIT").map_err(|e| e.to_string())
            }
        }
    };
    if outcome.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let result = outcome.as_ref().map(|_| ()).map_err(String::as_str);
    for reply in replies {
        reply(result);
    }
    // The writes after a rollback were not run.
    for job in jobs {
        (job.run)(None)(result);
    }
    outcome.is_ok()
}

/// Runs one write in a savepoint: a write that fails leaves nothing behind, and the other
/// writes of its batch are kept.
fn in_savepoint<T>(conn: &Connection, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    conn.prepare_cached("SAVEPOINT write")?.execute([])?;
    let out = f(conn);
    let end = match out {
        Ok(_) => conn.prepare_cached("RELEASE write")?.execute([]).map(|_| ()),
        Err(_) => conn.execute_batch("ROLLBACK TO write; RELEASE write"),
    };
    match (out, end) {
        (Ok(t), Ok(())) => Ok(t),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
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
        let sync = |durable| {
            s.write(durable, |c| {
                c.query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))
            })
            .unwrap()
        };
        assert_eq!(sync(false), 1, "a batch of `delivered` writes is not synced (NORMAL)");
        assert_eq!(sync(true), 2, "vouchers are synced again (FULL)");
        assert_eq!(b.unsettled(), 20);
        assert_eq!(s.unsettled().unwrap().len(), 1);
        s.settled(&ch.to_string(), 7, 20, 200).unwrap();
        s.settled(&ch.to_string(), 7, 10, 201).unwrap();
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!((b.settled, b.settled_at), (20, 201), "settled never goes down");
        assert!(s.unsettled().unwrap().is_empty());
        assert!(s.accept(7, "payer", &v(30), 300).unwrap());
        assert_eq!(s.unsettled().unwrap()[0].unsettled(), 10);
        // The settler's word on another opening of this address (read before a reopening)
        // leaves these books alone.
        s.settled(&ch.to_string(), 8, 30, 400).unwrap();
        s.closed(&ch.to_string(), 8).unwrap();
        let b = s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!(
            (b.settled, b.settled_at, b.closed),
            (20, 201, false),
            "another opening's settlement"
        );
        assert_eq!(s.unsettled().unwrap()[0].unsettled(), 10);
        s.closed(&ch.to_string(), 7).unwrap();
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
    /// Holds the writer inside a batch of its own until `release` is sent to (or dropped):
    /// everything written meanwhile is queued for the next batch. Returns once it is held.
    fn hold_writer(s: &Arc<VoucherStore>) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        let (held, is_held) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let s = s.clone();
        let holder = std::thread::spawn(move || {
            s.write(true, move |_| {
                let _ = held.send(());
                let _ = released.recv();
                Ok(())
            })
            .unwrap();
        });
        is_held.recv().unwrap();
        (release, holder)
    }

    /// Waits until `n` writes were queued in all.
    fn wait_queued(s: &VoucherStore, n: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while s.stats.queued.load(Ordering::Relaxed) < n {
            assert!(std::time::Instant::now() < deadline, "{n} writes never queued");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn batches(s: &VoucherStore) -> u64 {
        s.stats.batches.load(Ordering::Relaxed)
    }

    /// Accepts `voucher` on another thread, once the writes queued so far are `queued - 1`.
    fn accept_queued(
        s: &Arc<VoucherStore>,
        voucher: Voucher,
        queued: &mut u64,
    ) -> std::thread::JoinHandle<Result<bool>> {
        let s2 = s.clone();
        let call = std::thread::spawn(move || s2.accept(1, "payer", &voucher, 100));
        *queued += 1;
        wait_queued(s, *queued);
        call
    }

    #[test]
    fn sixty_four_channels_accepting_at_once_share_synced_batches() {
        let path = tmp("group");
        let s = Arc::new(VoucherStore::open(&path).unwrap());
        let signer = Keypair::new();
        let channels: Vec<Pubkey> = (0..64).map(|_| Pubkey::new_unique()).collect();
        let start = Arc::new(std::sync::Barrier::new(channels.len()));
        let before = batches(&s);
        let calls: Vec<_> = channels
            .iter()
            .map(|ch| {
                let (s, start) = (s.clone(), start.clone());
                let v: Vec<Voucher> = [10, 20, 15].iter().map(|&c| Voucher::sign(&signer, ch, c, 0)).collect();
                std::thread::spawn(move || {
                    start.wait();
                    v.iter()
                        .map(|v| s.accept(1, "payer", v, 100).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for call in calls {
            assert_eq!(call.join().unwrap(), [true, true, false], "each its own result");
        }
        let accepts = 64 * 3;
        let committed = batches(&s) - before;
        assert!(
            committed < accepts,
            "{committed} batches for {accepts} concurrent accepts: one commit each, no group commit"
        );
        // Everything is there for a fresh connection (it was committed before `accept` returned).
        let fresh = Connection::open(&path).unwrap();
        let (rows, accepted, calls): (i64, i64, i64) = fresh
            .query_row("SELECT COUNT(*), SUM(accepted), SUM(calls) FROM channels", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((rows, accepted, calls), (64, 64 * 20, 64 * 2));
        for ch in &channels {
            let b = s.get(&ch.to_string()).unwrap().unwrap();
            assert_eq!(
                (b.accepted, b.calls, b.voucher),
                (20, 2, Some(Voucher::sign(&signer, ch, 20, 0)))
            );
        }
    }

    #[test]
    fn the_accepts_queued_behind_a_batch_are_committed_together() {
        let s = Arc::new(VoucherStore::open(&tmp("together")).unwrap());
        let signer = Keypair::new();
        let before = batches(&s);
        let (release, holder) = hold_writer(&s);
        let mut queued = s.stats.queued.load(Ordering::Relaxed);
        let calls: Vec<_> = (0..64)
            .map(|_| accept_queued(&s, Voucher::sign(&signer, &Pubkey::new_unique(), 10, 0), &mut queued))
            .collect();
        assert_eq!(batches(&s), before, "nothing is answered while the writer is held");
        release.send(()).unwrap();
        holder.join().unwrap();
        for call in calls {
            assert!(call.join().unwrap().unwrap());
        }
        assert_eq!(batches(&s) - before, 2, "the held batch, then the 64 accepts in one");
    }

    #[test]
    fn a_lower_voucher_loses_inside_one_batch_and_across_batches() {
        let s = Arc::new(VoucherStore::open(&tmp("order")).unwrap());
        let signer = Keypair::new();
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let v = |ch: &Pubkey, c: u64| Voucher::sign(&signer, ch, c, 0);
        let before = batches(&s);
        let (release, holder) = hold_writer(&s);
        let mut queued = s.stats.queued.load(Ordering::Relaxed);
        // In this order in one batch: the higher first on `a`, the lower first on `b`.
        let calls: Vec<_> = [v(&a, 20), v(&a, 10), v(&b, 10), v(&b, 20)]
            .into_iter()
            .map(|voucher| accept_queued(&s, voucher, &mut queued))
            .collect();
        release.send(()).unwrap();
        holder.join().unwrap();
        let results: Vec<bool> = calls.into_iter().map(|c| c.join().unwrap().unwrap()).collect();
        assert_eq!(results, [true, false, true, true]);
        assert_eq!(batches(&s) - before, 2, "the four in one batch");
        let book = |ch: &Pubkey| s.get(&ch.to_string()).unwrap().unwrap();
        assert_eq!(
            (book(&a).accepted, book(&a).calls, book(&a).voucher),
            (20, 1, Some(v(&a, 20)))
        );
        assert_eq!(
            (book(&b).accepted, book(&b).calls, book(&b).voucher),
            (20, 2, Some(v(&b, 20)))
        );
        // Across batches.
        assert!(!s.accept(1, "payer", &v(&a, 15), 101).unwrap());
        assert!(!s.accept(1, "payer", &v(&b, 20), 101).unwrap());
        assert!(s.accept(1, "payer", &v(&a, 30), 101).unwrap());
        assert_eq!((book(&a).accepted, book(&a).calls), (30, 2));
    }

    #[test]
    fn a_failed_write_leaves_the_others_of_its_batch_written() {
        let s = Arc::new(VoucherStore::open(&tmp("one-fails")).unwrap());
        let signer = Keypair::new();
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let (release, holder) = hold_writer(&s);
        let mut queued = s.stats.queued.load(Ordering::Relaxed);
        let first = accept_queued(&s, Voucher::sign(&signer, &a, 10, 0), &mut queued);
        let s2 = s.clone();
        // Two statements, the second refused by the CHECK: the first must not stay either.
        let failing = std::thread::spawn(move || {
            s2.write(true, |c| {
                c.execute("INSERT INTO free_calls (payer, used) VALUES ('x', 1)", [])?;
                c.execute("INSERT INTO free_calls (payer, used) VALUES ('y', -1)", [])
            })
        });
        queued += 1;
        wait_queued(&s, queued);
        let last = accept_queued(&s, Voucher::sign(&signer, &b, 10, 0), &mut queued);
        release.send(()).unwrap();
        holder.join().unwrap();
        assert!(first.join().unwrap().unwrap());
        let e = failing.join().unwrap().unwrap_err().to_string();
        assert!(e.contains("CHECK constraint failed"), "{e}");
        assert!(last.join().unwrap().unwrap());
        assert!(s.get(&a.to_string()).unwrap().is_some() && s.get(&b.to_string()).unwrap().is_some());
        assert_eq!(s.free_calls_used("x").unwrap(), 0, "the failed write left nothing");
    }

    #[test]
    fn an_error_of_a_batch_reaches_every_caller_in_it_and_nothing_is_written() {
        let path = tmp("batch-error");
        let s = Arc::new(VoucherStore::open_with(&path, Duration::from_millis(50)).unwrap());
        let signer = Keypair::new();
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let v = |ch: &Pubkey, c: u64| Voucher::sign(&signer, ch, c, 0);

        // A write that ends the transaction (as a full disk or an I/O error does): the accept
        // before it, already run, and the one after it both fail; neither is written.
        let (release, holder) = hold_writer(&s);
        let mut queued = s.stats.queued.load(Ordering::Relaxed);
        let before_it = accept_queued(&s, v(&a, 10), &mut queued);
        let s2 = s.clone();
        let ends = std::thread::spawn(move || s2.write(true, |c| c.execute_batch("ROLLBACK")));
        queued += 1;
        wait_queued(&s, queued);
        let after_it = accept_queued(&s, v(&b, 10), &mut queued);
        let committed = batches(&s);
        release.send(()).unwrap();
        holder.join().unwrap();
        for result in [
            before_it.join().unwrap(),
            ends.join().unwrap().map(|()| true),
            after_it.join().unwrap(),
        ] {
            let e = result.unwrap_err().to_string();
            assert!(e.contains("nothing of this batch was written"), "{e}");
        }
        assert_eq!(batches(&s), committed + 1, "only the held batch committed");
        assert_eq!(
            (s.get(&a.to_string()).unwrap(), s.get(&b.to_string()).unwrap()),
            (None, None)
        );

        // The batch cannot begin: another process holds the write lock past the busy timeout.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (s, voucher) = (s.clone(), v(&Pubkey::new_unique(), 10));
                std::thread::spawn(move || s.accept(1, "payer", &voucher, 100))
            })
            .collect();
        for call in calls {
            let e = call.join().unwrap().unwrap_err().to_string();
            assert!(
                e.contains("locked") && e.contains("nothing of this batch was written"),
                "{e}"
            );
        }
        other.execute_batch("ROLLBACK").unwrap();
        // The next batches are written.
        assert!(s.accept(1, "payer", &v(&a, 10), 100).unwrap());
        assert!(s.accept(1, "payer", &v(&b, 10), 100).unwrap());
        let fresh = Connection::open(&path).unwrap();
        let rows: i64 = fresh
            .query_row("SELECT COUNT(*) FROM channels", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 2);
    }

    #[test]
    fn a_dead_writer_is_an_error_of_the_call_not_a_panic() {
        let s = VoucherStore::open(&tmp("dead")).unwrap();
        let signer = Keypair::new();
        let ch = Pubkey::new_unique();
        assert!(s.accept(1, "payer", &Voucher::sign(&signer, &ch, 10, 0), 100).unwrap());
        let died = s.write(true, |_| -> rusqlite::Result<()> {
            panic!("the writer dies (on purpose)")
        });
        assert!(died.unwrap_err().to_string().contains("writer thread stopped"));
        let e = s
            .accept(1, "payer", &Voucher::sign(&signer, &ch, 20, 0), 101)
            .unwrap_err();
        assert!(e.to_string().contains("writer thread stopped"), "{e}");
        assert!(s.delivered(&ch.to_string(), 10).is_err());
        assert_eq!(
            s.get(&ch.to_string()).unwrap().unwrap().accepted,
            10,
            "reads still work"
        );
    }
}
