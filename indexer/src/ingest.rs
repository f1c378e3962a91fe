//! Ingestion: for each program, the signatures since its cursor (`getSignaturesForAddress`,
//! newest first, paginated, at `confirmed`), merged oldest first; each transaction
//! (`getTransaction`, base64, `maxSupportedTransactionVersion` 0, `confirmed`) decoded and
//! applied in one DB transaction with the cursors of the programs that listed it, so a crash
//! or a restart resumes after the last transaction committed and applies none twice. Then the
//! rows of slots now finalized are marked `finalized`, and pending metadata documents fetched.

use std::{
    collections::{BTreeMap, HashMap},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use anchor_lang::prelude::Pubkey;
use solana_client::{nonblocking::rpc_client::RpcClient, rpc_client::GetConfirmedSignaturesForAddress2Config};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_api::{
    config::RpcTransactionConfig,
    response::{OptionSerializer, UiInstruction},
};
use solana_signature::Signature;
use solana_transaction_status_client_types::UiTransactionEncoding;
use sqlx::Row;

use crate::{
    db::int,
    decode::{events_of, programs, FlatIx, Located},
    metadata::{self, MetadataConfig},
    project::{apply, TxRecord},
    Db, Error, Result,
};

/// Limits of one ingestion pass.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Stop after applying this many new transactions (the rest waits for the next pass).
    pub max_transactions: Option<usize>,
    /// `getSignaturesForAddress` page size (at most 1,000).
    pub page_size: usize,
    /// Fetch pending metadata documents after ingesting.
    pub fetch_metadata: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            max_transactions: None,
            page_size: 1_000,
            fetch_metadata: true,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestStats {
    /// New transactions applied (failed ones included, with no events).
    pub transactions: usize,
    /// Events applied.
    pub events: usize,
    /// Listed transactions that were already in the database (named by several programs).
    pub already_ingested: usize,
    /// The finalized slot read at the end of the pass.
    pub finalized_slot: u64,
    /// Metadata documents fetched (or failed) in this pass.
    pub metadata: usize,
}

pub struct Indexer {
    pub db: Db,
    pub rpc: Arc<RpcClient>,
    pub programs: Vec<Pubkey>,
    pub metadata: MetadataConfig,
    http: reqwest::Client,
}

struct Listed {
    signature: String,
    slot: u64,
    failed: bool,
    programs: Vec<Pubkey>,
}

impl Indexer {
    pub fn new(db: Db, rpc_url: &str, metadata: MetadataConfig) -> Self {
        let rpc = RpcClient::new_with_timeout_and_commitment(
            rpc_url.to_string(),
            Duration::from_secs(60),
            CommitmentConfig::confirmed(),
        );
        Self {
            db,
            rpc: Arc::new(rpc),
            programs: programs(),
            http: metadata::client(&metadata),
            metadata,
        }
    }

    /// The signature each program's listing stopped at.
    async fn cursor(&self, program: &Pubkey) -> Result<Option<Signature>> {
        let row = sqlx::query("SELECT signature FROM cursors WHERE program = $1")
            .bind(program.to_string())
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| {
            let s: String = r.try_get("signature")?;
            Signature::from_str(&s).map_err(|_| Error::Invalid(format!("bad cursor signature `{s}`")))
        })
        .transpose()
    }

    /// The signatures of `program` newer than its cursor, oldest first.
    async fn new_signatures(&self, program: &Pubkey, page: usize) -> Result<Vec<(String, u64, bool)>> {
        let until = self.cursor(program).await?;
        let mut before = None;
        let mut out = Vec::new();
        loop {
            let batch = self
                .rpc
                .get_signatures_for_address_with_config(
                    program,
                    GetConfirmedSignaturesForAddress2Config {
                        before,
                        until,
                        limit: Some(page.clamp(1, 1_000)),
                        commitment: Some(CommitmentConfig::confirmed()),
                    },
                )
                .await
                .map_err(|e| Error::Rpc(format!("getSignaturesForAddress {program}: {e}")))?;
            let n = batch.len();
            for s in batch {
                before = Some(
                    Signature::from_str(&s.signature)
                        .map_err(|_| Error::Rpc(format!("bad signature `{}`", s.signature)))?,
                );
                out.push((s.signature, s.slot, s.err.is_some()));
            }
            if n < page.clamp(1, 1_000) {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// All programs' new signatures, merged: by slot, and within a slot in each listing's
    /// order (a listing is in block order).
    async fn listed(&self, page: usize) -> Result<Vec<Listed>> {
        let mut by_slot: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        let mut seen: HashMap<String, Listed> = HashMap::new();
        for p in &self.programs {
            for (sig, slot, failed) in self.new_signatures(p, page).await? {
                match seen.get_mut(&sig) {
                    Some(l) => l.programs.push(*p),
                    None => {
                        by_slot.entry(slot).or_default().push(sig.clone());
                        seen.insert(
                            sig.clone(),
                            Listed {
                                signature: sig,
                                slot,
                                failed,
                                programs: vec![*p],
                            },
                        );
                    }
                }
            }
        }
        Ok(by_slot
            .into_values()
            .flatten()
            .filter_map(|s| seen.remove(&s))
            .collect())
    }

    async fn known(&self, signature: &str) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 AS one FROM transactions WHERE signature = $1")
            .bind(signature)
            .fetch_optional(&self.db.pool)
            .await?
            .is_some())
    }

    /// One pass: everything new, then finality and metadata.
    pub async fn ingest(&self, opts: &IngestOptions) -> Result<IngestStats> {
        let mut stats = IngestStats::default();
        for l in self.listed(opts.page_size).await? {
            if opts.max_transactions.is_some_and(|m| stats.transactions >= m) {
                break;
            }
            if self.known(&l.signature).await? {
                // Named by another program's listing and applied then: only the cursors move.
                apply(
                    &self.db.pool,
                    &TxRecord {
                        signature: &l.signature,
                        slot: l.slot,
                        block_time: None,
                        failed: l.failed,
                        events: &[],
                    },
                    &l.programs,
                )
                .await?;
                stats.already_ingested += 1;
                continue;
            }
            let (block_time, events) = if l.failed {
                (None, Vec::new())
            } else {
                self.fetch(&l.signature).await?
            };
            stats.events += apply(
                &self.db.pool,
                &TxRecord {
                    signature: &l.signature,
                    slot: l.slot,
                    block_time,
                    failed: l.failed,
                    events: &events,
                },
                &l.programs,
            )
            .await?;
            stats.transactions += 1;
        }
        stats.finalized_slot = self.mark_finalized().await?;
        if opts.fetch_metadata {
            stats.metadata = metadata::fetch_pending(&self.db, &self.http, &self.metadata, 100).await?;
        }
        Ok(stats)
    }

    /// Ingests until `stop` turns true, a pass every `interval`.
    pub async fn run(&self, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) -> Result<()> {
        loop {
            match self.ingest(&IngestOptions::default()).await {
                Ok(s) if s.transactions > 0 => eprintln!(
                    "indexed {} transactions, {} events (finalized slot {})",
                    s.transactions, s.events, s.finalized_slot
                ),
                Ok(_) => {}
                // An RPC hiccup: the next pass resumes from the cursors.
                Err(Error::Rpc(e)) => eprintln!("index: {e}; retrying"),
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return Ok(()),
            }
            if *stop.borrow() {
                return Ok(());
            }
        }
    }

    /// The block time and the events of a confirmed transaction. A node may list a signature
    /// a moment before it serves the transaction: asked again for up to ~10 s.
    async fn fetch(&self, signature: &str) -> Result<(Option<i64>, Vec<Located>)> {
        let sig = Signature::from_str(signature).map_err(|_| Error::Rpc(format!("bad signature `{signature}`")))?;
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let mut attempt = 0;
        let tx = loop {
            match self.rpc.get_transaction_with_config(&sig, config).await {
                Ok(tx) => break tx,
                Err(_) if attempt < 40 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(Error::Rpc(format!("getTransaction {signature}: {e}"))),
            }
        };
        let meta = tx
            .transaction
            .meta
            .ok_or_else(|| Error::Rpc(format!("transaction {signature} has no status meta")))?;
        if meta.err.is_some() {
            return Ok((tx.block_time, Vec::new()));
        }
        let decoded = tx
            .transaction
            .transaction
            .decode()
            .ok_or_else(|| Error::Rpc(format!("transaction {signature} does not decode")))?;
        // Instructions index the static keys, then the addresses loaded from lookup tables.
        let mut keys: Vec<Pubkey> = decoded.message.static_account_keys().to_vec();
        if let OptionSerializer::Some(loaded) = &meta.loaded_addresses {
            for a in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(Pubkey::from_str(a).map_err(|_| Error::Rpc(format!("bad loaded address `{a}`")))?);
            }
        }
        let OptionSerializer::Some(groups) = meta.inner_instructions else {
            return Err(Error::Rpc(format!(
                "the RPC node returned no inner instructions for {signature}; events are read from them"
            )));
        };
        let key = |i: u8| keys.get(usize::from(i)).copied().unwrap_or_default();
        let mut flat = Vec::new();
        for (i, ix) in decoded.message.instructions().iter().enumerate() {
            let ix_index = u32::try_from(i).map_err(|_| Error::Invalid("too many instructions".into()))?;
            flat.push(FlatIx {
                ix_index,
                inner_index: None,
                stack_height: 1,
                program: key(ix.program_id_index),
                first_account: ix.accounts.first().map(|&a| key(a)),
                data: ix.data.clone(),
            });
            for g in groups.iter().filter(|g| usize::from(g.index) == i) {
                for (j, inner) in g.instructions.iter().enumerate() {
                    let UiInstruction::Compiled(inner) = inner else {
                        continue;
                    };
                    flat.push(FlatIx {
                        ix_index,
                        inner_index: Some(u32::try_from(j).map_err(|_| Error::Invalid("too many inner".into()))?),
                        stack_height: inner.stack_height.unwrap_or(2),
                        program: key(inner.program_id_index),
                        first_account: inner.accounts.first().map(|&a| key(a)),
                        data: bs58::decode(&inner.data).into_vec().unwrap_or_default(),
                    });
                }
            }
        }
        Ok((tx.block_time, events_of(&flat, &self.programs)))
    }

    /// Marks the rows of slots at or below the finalized slot `finalized`; returns that slot.
    pub async fn mark_finalized(&self) -> Result<u64> {
        let slot = self
            .rpc
            .get_slot_with_commitment(CommitmentConfig::finalized())
            .await
            .map_err(|e| Error::Rpc(format!("getSlot (finalized): {e}")))?;
        let s = int(slot)?;
        let mut t = self.db.pool.begin().await?;
        for table in FINALIZED_TABLES {
            sqlx::query(&format!(
                "UPDATE {table} SET finalized = 1 WHERE finalized = 0 AND slot <= $1"
            ))
            .bind(s)
            .execute(&mut *t)
            .await?;
        }
        t.commit().await?;
        Ok(slot)
    }
}

/// The tables whose rows carry `finalized`.
pub const FINALIZED_TABLES: [&str; 10] = [
    "transactions",
    "events",
    "sales",
    "redemptions",
    "deposits",
    "claims",
    "job_transitions",
    "bond_changes",
    "channel_settlements",
    "fee_sweeps",
];
