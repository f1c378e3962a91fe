//! Reconciliation: the database against the chain, account by account. Run it once the index
//! has caught up (a difference can also mean the chain moved since the last pass).
//! - each split: Σ credited (deposits and syncs) − Σ claims in the index against its vault's
//!   balance, and the replayed accounting (totals, epoch, version, entries) against the
//!   account;
//! - each provider's bond;
//! - each job: an open one must exist on chain in the same state, a settled one must be closed,
//!   and every job account on chain must be in the index;
//! - each pass: expiry, perpetual, revoked, purchased, redeemed;
//! - each asset: state, number of sales, tokens sold, price;
//! - each payment channel: an open or closing one exists on chain with the same state, deposit
//!   and settled total, and its vault holds the deposit − Σ settlements in the index; a closed
//!   one's channel and vault accounts are closed; every channel account on chain is indexed.
//!   (Tokens sent to a vault by anyone beyond the unspent deposit, which the payer gets back at
//!   the close, show as a vault difference.)

use std::collections::HashSet;

use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use serde::{Deserialize, Serialize};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_api::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig},
    filter::{Memcmp, RpcFilterType},
};
use sqlx::Row;
use tessera_client::{
    channels::state::Channel,
    escrow::state::{Job, JobState, Provider},
    pda,
    registry::state::{AccessPass, Asset},
    royalties::state::Split,
};

use crate::{
    db::{hex, uint},
    project::{load_split, pubkey},
    Db, Error, Result,
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// `split`, `vault`, `provider`, `job`, `pass`, `asset`, `channel` or `channel_vault`.
    pub kind: String,
    pub address: String,
    pub field: String,
    pub index: String,
    pub chain: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub splits: usize,
    pub providers: usize,
    pub jobs: usize,
    pub passes: usize,
    pub assets: usize,
    pub channels: usize,
    pub differences: Vec<Difference>,
}

impl CheckReport {
    fn diff(&mut self, kind: &str, address: &str, field: &str, index: impl ToString, chain: impl ToString) {
        let (index, chain) = (index.to_string(), chain.to_string());
        if index != chain {
            self.differences.push(Difference {
                kind: kind.into(),
                address: address.into(),
                field: field.into(),
                index,
                chain,
            });
        }
    }
}

/// The accounts at `keys` (None where there is none), 100 per request.
async fn accounts(rpc: &RpcClient, keys: &[Pubkey]) -> Result<Vec<Option<Vec<u8>>>> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        let got = rpc
            .get_multiple_accounts_with_commitment(chunk, CommitmentConfig::confirmed())
            .await
            .map_err(|e| Error::Rpc(format!("getMultipleAccounts: {e}")))?
            .value;
        out.extend(got.into_iter().map(|a| a.map(|a| a.data)));
    }
    Ok(out)
}

fn decode<T: AccountDeserialize>(data: &Option<Vec<u8>>) -> Option<T> {
    data.as_ref().and_then(|d| T::try_deserialize(&mut d.as_slice()).ok())
}

async fn column(db: &Db, sql: &str) -> Result<Vec<sqlx::any::AnyRow>> {
    Ok(sqlx::query(sql).fetch_all(&db.pool).await?)
}

fn keys(rows: &[sqlx::any::AnyRow], col: &str) -> Result<Vec<Pubkey>> {
    rows.iter().map(|r| pubkey(&r.try_get::<String, _>(col)?)).collect()
}

pub async fn check(db: &Db, rpc_url: &str) -> Result<CheckReport> {
    let rpc = RpcClient::new_with_commitment(rpc_url.to_string(), CommitmentConfig::confirmed());
    let mut report = CheckReport::default();

    // Splits and their vaults.
    let rows = column(
        db,
        "SELECT s.address, s.vault, \
         (SELECT COALESCE(CAST(SUM(d.received) AS BIGINT), 0) FROM deposits d WHERE d.split = s.address) AS credited, \
         (SELECT COALESCE(CAST(SUM(c.amount) AS BIGINT), 0) FROM claims c WHERE c.split = s.address) AS claimed \
         FROM splits s ORDER BY s.address",
    )
    .await?;
    let split_keys = keys(&rows, "address")?;
    let vault_keys = keys(&rows, "vault")?;
    let split_accs = accounts(&rpc, &split_keys).await?;
    let vault_accs = accounts(&rpc, &vault_keys).await?;
    let mut conn = db.pool.acquire().await?;
    for (i, r) in rows.iter().enumerate() {
        let address = split_keys[i].to_string();
        report.splits += 1;
        let held = i128::from(r.try_get::<i64, _>("credited")?) - i128::from(r.try_get::<i64, _>("claimed")?);
        // SPL Token and Token-2022 accounts: the amount at bytes 64..72.
        let vault = vault_accs[i]
            .as_ref()
            .and_then(|d| d.get(64..72))
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        report.diff(
            "vault",
            &vault_keys[i].to_string(),
            "balance (Σ credited − Σ claimed)",
            held,
            vault.map_or("no account".to_string(), |v| v.to_string()),
        );
        let indexed = load_split(&mut conn, &address).await?;
        match (indexed, decode::<Split>(&split_accs[i])) {
            (Some(a), Some(b)) => {
                report.diff("split", &address, "total_received", a.total_received, b.total_received);
                report.diff("split", &address, "total_claimed", a.total_claimed, b.total_claimed);
                report.diff("split", &address, "epoch_start", a.epoch_start, b.epoch_start);
                report.diff("split", &address, "version", a.version, b.version);
                report.diff("split", &address, "authority", a.authority, b.authority);
                report.diff(
                    "split",
                    &address,
                    "entries",
                    format!("{:?}", a.entries),
                    format!("{:?}", b.entries),
                );
            }
            (_, None) => report.diff("split", &address, "account", "present", "missing"),
            (None, _) => {}
        }
    }
    drop(conn);

    // Providers' bonds.
    let rows = column(db, "SELECT address, bond FROM providers ORDER BY address").await?;
    let pk = keys(&rows, "address")?;
    for (r, acc) in rows.iter().zip(accounts(&rpc, &pk).await?) {
        report.providers += 1;
        let address: String = r.try_get("address")?;
        let bond = uint(r.try_get::<i64, _>("bond")?);
        match decode::<Provider>(&acc) {
            Some(p) => report.diff("provider", &address, "bond", bond, p.bond),
            None => report.diff("provider", &address, "account", "present", "missing"),
        }
    }

    // Jobs: open ones exist in the same state; settled ones are closed; none is missing.
    let rows = column(db, "SELECT address, state, fee FROM jobs ORDER BY address").await?;
    let jk = keys(&rows, "address")?;
    let mut indexed_jobs = HashSet::new();
    for (r, acc) in rows.iter().zip(accounts(&rpc, &jk).await?) {
        report.jobs += 1;
        let address: String = r.try_get("address")?;
        let state: String = r.try_get("state")?;
        indexed_jobs.insert(address.clone());
        let chain = decode::<Job>(&acc);
        let chain_state = match &chain {
            None => "Settled (closed)".to_string(),
            Some(j) => job_state(j.state).to_string(),
        };
        let index_state = if state == "Settled" {
            "Settled (closed)".to_string()
        } else {
            state
        };
        report.diff("job", &address, "state", index_state, chain_state);
        if let Some(j) = chain {
            report.diff("job", &address, "fee", uint(r.try_get::<i64, _>("fee")?), j.fee);
        }
    }
    let on_chain = rpc
        .get_program_ui_accounts_with_config(
            &tessera_client::ESCROW_ID,
            RpcProgramAccountsConfig {
                filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
                    0,
                    Job::DISCRIMINATOR,
                ))]),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                    commitment: Some(CommitmentConfig::confirmed()),
                    ..RpcAccountInfoConfig::default()
                },
                ..RpcProgramAccountsConfig::default()
            },
        )
        .await
        .map_err(|e| Error::Rpc(format!("getProgramAccounts (jobs): {e}")))?;
    for (key, _) in on_chain {
        if !indexed_jobs.contains(&key.to_string()) {
            report.diff("job", &key.to_string(), "indexed", "missing", "present");
        }
    }

    // Passes.
    let rows = column(
        db,
        "SELECT address, expires_at, perpetual, revoked, purchased, redeemed FROM passes ORDER BY address",
    )
    .await?;
    let pk = keys(&rows, "address")?;
    for (r, acc) in rows.iter().zip(accounts(&rpc, &pk).await?) {
        report.passes += 1;
        let address: String = r.try_get("address")?;
        let Some(p) = decode::<AccessPass>(&acc) else {
            report.diff("pass", &address, "account", "present", "missing");
            continue;
        };
        report.diff(
            "pass",
            &address,
            "expires_at",
            r.try_get::<i64, _>("expires_at")?,
            p.expires_at,
        );
        report.diff(
            "pass",
            &address,
            "perpetual",
            r.try_get::<i64, _>("perpetual")? != 0,
            p.perpetual,
        );
        report.diff(
            "pass",
            &address,
            "revoked",
            r.try_get::<i64, _>("revoked")? != 0,
            p.revoked,
        );
        report.diff(
            "pass",
            &address,
            "purchased",
            uint(r.try_get("purchased")?),
            p.purchased,
        );
        report.diff("pass", &address, "redeemed", uint(r.try_get("redeemed")?), p.redeemed);
    }

    // Assets.
    let rows = column(
        db,
        "SELECT address, state, sales, sold, price, content_hash FROM assets ORDER BY address",
    )
    .await?;
    let ak = keys(&rows, "address")?;
    for (r, acc) in rows.iter().zip(accounts(&rpc, &ak).await?) {
        report.assets += 1;
        let address: String = r.try_get("address")?;
        let Some(a) = decode::<Asset>(&acc) else {
            report.diff("asset", &address, "account", "present", "missing");
            continue;
        };
        report.diff(
            "asset",
            &address,
            "state",
            r.try_get::<String, _>("state")?,
            format!("{:?}", a.state),
        );
        report.diff("asset", &address, "sales", uint(r.try_get("sales")?), a.sales);
        report.diff("asset", &address, "sold", uint(r.try_get("sold")?), a.sold);
        report.diff("asset", &address, "price", uint(r.try_get("price")?), a.price);
        report.diff(
            "asset",
            &address,
            "content_hash",
            r.try_get::<String, _>("content_hash")?,
            hex(&a.content_hash),
        );
    }

    // Payment channels and their vaults.
    let rows = column(
        db,
        "SELECT c.address, c.state, c.deposit, c.settled, \
         (SELECT COALESCE(CAST(SUM(x.amount) AS BIGINT), 0) FROM channel_settlements x WHERE x.channel = c.address) \
         AS paid FROM channels c ORDER BY c.address",
    )
    .await?;
    let ck = keys(&rows, "address")?;
    let vk: Vec<Pubkey> = ck.iter().map(pda::channel_vault).collect();
    let channel_accs = accounts(&rpc, &ck).await?;
    let vault_accs = accounts(&rpc, &vk).await?;
    let mut indexed_channels = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        report.channels += 1;
        let address = ck[i].to_string();
        indexed_channels.insert(address.clone());
        let state: String = r.try_get("state")?;
        let deposit = uint(r.try_get::<i64, _>("deposit")?);
        let settled = uint(r.try_get::<i64, _>("settled")?);
        let paid = i128::from(r.try_get::<i64, _>("paid")?);
        let vault = vault_accs[i]
            .as_ref()
            .and_then(|d| d.get(64..72))
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        let vault_address = vk[i].to_string();
        let field = "balance (deposit − Σ settlements)";
        match decode::<Channel>(&channel_accs[i]) {
            None => {
                report.diff("channel", &address, "state", &state, "Closed");
                report.diff(
                    "channel_vault",
                    &vault_address,
                    field,
                    "closed",
                    vault.map_or("closed".to_string(), |v| v.to_string()),
                );
            }
            Some(c) => {
                let chain_state = if c.close_requested_at != 0 { "Closing" } else { "Open" };
                report.diff("channel", &address, "state", &state, chain_state);
                report.diff("channel", &address, "deposit", deposit, c.deposit);
                report.diff("channel", &address, "settled", settled, c.settled);
                report.diff(
                    "channel_vault",
                    &vault_address,
                    field,
                    i128::from(deposit) - paid,
                    vault.map_or("no account".to_string(), |v| v.to_string()),
                );
            }
        }
    }
    let on_chain = rpc
        .get_program_ui_accounts_with_config(
            &tessera_client::CHANNELS_ID,
            RpcProgramAccountsConfig {
                filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
                    0,
                    Channel::DISCRIMINATOR,
                ))]),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                    commitment: Some(CommitmentConfig::confirmed()),
                    ..RpcAccountInfoConfig::default()
                },
                ..RpcProgramAccountsConfig::default()
            },
        )
        .await
        .map_err(|e| Error::Rpc(format!("getProgramAccounts (channels): {e}")))?;
    for (key, _) in on_chain {
        if !indexed_channels.contains(&key.to_string()) {
            report.diff("channel", &key.to_string(), "indexed", "missing", "present");
        }
    }
    Ok(report)
}

fn job_state(s: JobState) -> &'static str {
    match s {
        JobState::Open => "Open",
        JobState::Accepted => "Accepted",
        JobState::Delivered => "Delivered",
        JobState::Disputed => "Disputed",
    }
}
