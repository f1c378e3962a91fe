//! Applies one transaction to the database, in one DB transaction: its row in
//! `transactions`, each event in `events` (keyed by signature, instruction, inner index; a
//! conflict means the event was applied already and its projection is skipped), the
//! projections, and the cursors of the programs whose listing named it.

use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use sqlx::{AnyConnection, Row};
use tessera_client::{
    escrow::events::JobOutcome,
    royalties::state::{RecipientEntry, Split},
};

use crate::{
    db::{hex, int},
    decode::{emitted_by_claim_parked, Event, Located},
    Error, Result,
};

type Conn = AnyConnection;

/// A transaction to apply.
pub struct TxRecord<'a> {
    pub signature: &'a str,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub failed: bool,
    pub events: &'a [Located],
}

/// Where an event row comes from.
struct Key<'a> {
    sig: &'a str,
    ix: i64,
    inner: i64,
    slot: i64,
    time: Option<i64>,
}

fn k(p: &Pubkey) -> String {
    p.to_string()
}

pub(crate) fn pubkey(s: &str) -> Result<Pubkey> {
    Pubkey::from_str(s).map_err(|_| Error::Invalid(format!("`{s}` in the database is not a public key")))
}

fn u128_of(s: &str) -> Result<u128> {
    s.parse()
        .map_err(|_| Error::Invalid(format!("`{s}` in the database is not a u128")))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Applies `tx` and moves the cursors of `programs` to it. Returns the number of events
/// applied (0 if the transaction was ingested before).
pub async fn apply(pool: &sqlx::AnyPool, tx: &TxRecord<'_>, programs: &[Pubkey]) -> Result<usize> {
    let mut t = pool.begin().await?;
    let slot = int(tx.slot)?;
    for p in programs {
        sqlx::query(
            "INSERT INTO cursors (program, signature, slot) VALUES ($1, $2, $3) \
             ON CONFLICT (program) DO UPDATE SET signature = excluded.signature, slot = excluded.slot",
        )
        .bind(k(p))
        .bind(tx.signature)
        .bind(slot)
        .execute(&mut *t)
        .await?;
    }
    let fresh = sqlx::query(
        "INSERT INTO transactions (signature, slot, block_time, failed, events) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (signature) DO NOTHING",
    )
    .bind(tx.signature)
    .bind(slot)
    .bind(tx.block_time)
    .bind(i64::from(tx.failed))
    .bind(tx.events.len() as i64)
    .execute(&mut *t)
    .await?
    .rows_affected();
    let mut applied = 0;
    if fresh == 1 {
        // The job settled in this transaction, if any: a slash names it.
        let settled_job = tx.events.iter().find_map(|l| match &l.event {
            Event::JobSettled(e) => Some(e.job),
            _ => None,
        });
        for l in tx.events {
            let key = Key {
                sig: tx.signature,
                ix: i64::from(l.ix_index),
                inner: i64::from(l.inner_index),
                slot,
                time: tx.block_time,
            };
            let new = sqlx::query(
                "INSERT INTO events (signature, ix_index, inner_index, slot, block_time, program, name, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (signature, ix_index, inner_index) DO NOTHING",
            )
            .bind(key.sig)
            .bind(key.ix)
            .bind(key.inner)
            .bind(key.slot)
            .bind(key.time)
            .bind(k(&l.program))
            .bind(l.event.name())
            .bind(l.body_hex.as_str())
            .execute(&mut *t)
            .await?
            .rows_affected();
            if new == 1 {
                project(&mut t, &key, l, settled_job.as_ref()).await?;
                applied += 1;
            }
        }
    }
    t.commit().await?;
    Ok(applied)
}

/// Inserts the common columns of an event row and the rest.
macro_rules! event_row {
    ($c:expr, $key:expr, $table:literal, [$($col:literal),*], [$($val:expr),*]) => {{
        let cols = [$($col),*];
        let mut sql = format!(
            "INSERT INTO {} (signature, ix_index, inner_index, slot, block_time", $table
        );
        for c in cols { sql.push_str(", "); sql.push_str(c); }
        sql.push_str(") VALUES ($1, $2, $3, $4, $5");
        for i in 0..cols.len() { sql.push_str(&format!(", ${}", i + 6)); }
        sql.push_str(") ON CONFLICT (signature, ix_index, inner_index) DO NOTHING");
        sqlx::query(&sql)
            .bind($key.sig).bind($key.ix).bind($key.inner).bind($key.slot).bind($key.time)
            $(.bind($val))*
            .execute(&mut *$c)
            .await?;
    }};
}

async fn project(c: &mut Conn, key: &Key<'_>, l: &Located, settled_job: Option<&Pubkey>) -> Result<()> {
    let slot = key.slot;
    match &l.event {
        Event::AssetPublished(e) => {
            sqlx::query(
                "INSERT INTO assets (address, publisher, kind, state, content_hash, uri, license_flags, \
                 license_terms_hash, access_mint, payment_mint, split, price, max_supply, access_duration, \
                 inference_royalty_bps, inference_gated, previous_version, published_slot, published_at, updated_slot) \
                 VALUES ($1, $2, $3, 'Listed', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $17) \
                 ON CONFLICT (address) DO NOTHING",
            )
            .bind(k(&e.asset))
            .bind(k(&e.publisher))
            .bind(format!("{:?}", e.kind))
            .bind(hex(&e.content_hash))
            .bind(e.uri.as_str())
            .bind(i64::from(e.license.flags))
            .bind(hex(&e.license.terms_hash))
            .bind(k(&e.access_mint))
            .bind(k(&e.payment_mint))
            .bind(k(&e.split))
            .bind(int(e.price)?)
            .bind(int(e.max_supply)?)
            .bind(int(e.access_duration)?)
            .bind(i64::from(e.inference_royalty_bps))
            .bind(i64::from(e.inference_gated))
            .bind(e.previous_version.as_ref().map(k))
            .bind(slot)
            .bind(key.time)
            .execute(&mut *c)
            .await?;
            for (i, p) in e.parents.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO lineage (child, position, parent, parent_split, bps) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (child, position) DO NOTHING",
                )
                .bind(k(&e.asset))
                .bind(i as i64)
                .bind(k(&p.asset))
                .bind(k(&p.split))
                .bind(i64::from(p.bps))
                .execute(&mut *c)
                .await?;
            }
        }
        Event::AssetUpdated(e) => {
            sqlx::query(
                "UPDATE assets SET \
                 meta_status = CASE WHEN uri = $2 THEN meta_status ELSE 'pending' END, \
                 meta_attempts = CASE WHEN uri = $2 THEN meta_attempts ELSE 0 END, \
                 uri = $2, price = $3, access_duration = $4, max_supply = $5, inference_royalty_bps = $6, \
                 inference_gated = $7, updated_slot = $8 WHERE address = $1",
            )
            .bind(k(&e.asset))
            .bind(e.uri.as_str())
            .bind(int(e.price)?)
            .bind(int(e.access_duration)?)
            .bind(int(e.max_supply)?)
            .bind(i64::from(e.inference_royalty_bps))
            .bind(i64::from(e.inference_gated))
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::AssetStateChanged(e) => {
            sqlx::query("UPDATE assets SET state = $2, updated_slot = $3 WHERE address = $1")
                .bind(k(&e.asset))
                .bind(format!("{:?}", e.to))
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::AccessBought(e) => {
            let to_parents = e
                .parent_amounts
                .iter()
                .try_fold(0u64, |a, &b| a.checked_add(b))
                .ok_or_else(|| Error::Invalid("parent amounts overflow".into()))?;
            event_row!(
                c,
                key,
                "sales",
                [
                    "asset",
                    "buyer",
                    "pass",
                    "quantity",
                    "price",
                    "total",
                    "fee",
                    "to_parents",
                    "parent_amounts",
                    "net",
                    "expires_at",
                    "perpetual",
                    "sale_seq"
                ],
                [
                    k(&e.asset),
                    k(&e.buyer),
                    k(&e.pass),
                    int(e.quantity)?,
                    int(e.price)?,
                    int(e.total)?,
                    int(e.fee)?,
                    int(to_parents)?,
                    json(&e.parent_amounts),
                    int(e.net)?,
                    e.expires_at,
                    i64::from(e.perpetual),
                    int(e.sale_seq)?
                ]
            );
            sqlx::query(
                "UPDATE assets SET sales = $2, sold = sold + $3, revenue = revenue + $4, updated_slot = $5 \
                 WHERE address = $1",
            )
            .bind(k(&e.asset))
            .bind(int(e.sale_seq)?)
            .bind(int(e.quantity)?)
            .bind(int(e.total)?)
            .bind(slot)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO passes (address, asset, holder, expires_at, perpetual, purchased, redeemed, revoked, \
                 revoke_reason, created_slot, updated_slot) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7, $7) \
                 ON CONFLICT (address) DO UPDATE SET expires_at = excluded.expires_at, \
                 perpetual = excluded.perpetual, purchased = passes.purchased + excluded.purchased, \
                 updated_slot = excluded.updated_slot",
            )
            .bind(k(&e.pass))
            .bind(k(&e.asset))
            .bind(k(&e.buyer))
            .bind(e.expires_at)
            .bind(i64::from(e.perpetual))
            .bind(int(e.quantity)?)
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::AccessRedeemed(e) => {
            event_row!(
                c,
                key,
                "redemptions",
                ["asset", "holder", "quantity", "redeemed_total", "remaining"],
                [
                    k(&e.asset),
                    k(&e.holder),
                    int(e.quantity)?,
                    int(e.redeemed_total)?,
                    int(e.remaining)?
                ]
            );
            sqlx::query("UPDATE passes SET redeemed = $3, updated_slot = $4 WHERE asset = $1 AND holder = $2")
                .bind(k(&e.asset))
                .bind(k(&e.holder))
                .bind(int(e.redeemed_total)?)
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::PassRevoked(e) => {
            sqlx::query("UPDATE passes SET revoked = 1, revoke_reason = $2, updated_slot = $3 WHERE address = $1")
                .bind(k(&e.pass))
                .bind(i64::from(e.reason))
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::FeesSwept(e) => {
            event_row!(
                c,
                key,
                "fee_sweeps",
                ["asset", "treasury_token_account", "amount", "received"],
                [
                    k(&e.asset),
                    k(&e.treasury_token_account),
                    int(e.amount)?,
                    int(e.received)?
                ]
            );
        }
        Event::SplitCreated(e) => {
            // As `create_split` builds it: an empty split, the recipients installed, version 0.
            let mut s = Split {
                subject: e.subject,
                authority: e.authority,
                mint: e.mint,
                vault: e.vault,
                total_received: 0,
                total_claimed: 0,
                epoch_start: 0,
                version: 0,
                bump: 0,
                vault_bump: 0,
                entries: Vec::with_capacity(e.recipients.len()),
                pending_authority: None,
            };
            s.apply_update(&e.recipients).map_err(program_math)?;
            s.version = 0;
            sqlx::query(
                "INSERT INTO splits (address, subject, authority, mint, vault, total_received, total_claimed, \
                 epoch_start, version, created_slot, updated_slot) VALUES ($1, $2, $3, $4, $5, '0', '0', '0', 0, $6, $6) \
                 ON CONFLICT (address) DO NOTHING",
            )
            .bind(k(&e.split))
            .bind(k(&e.subject))
            .bind(k(&e.authority))
            .bind(k(&e.mint))
            .bind(k(&e.vault))
            .bind(slot)
            .execute(&mut *c)
            .await?;
            store_split(c, &e.split, &s, slot).await?;
        }
        Event::Deposited(e) => {
            event_row!(
                c,
                key,
                "deposits",
                ["split", "kind", "depositor", "amount", "received", "total_received"],
                [
                    k(&e.split),
                    "deposit",
                    Some(k(&e.depositor)),
                    int(e.amount)?,
                    int(e.received)?,
                    e.total_received.to_string()
                ]
            );
            let mut s = need_split(c, &e.split).await?;
            let before = s.entries.clone();
            s.record_deposit(e.received).map_err(program_math)?;
            store_split_from(c, &e.split, &s, Some(&before), slot).await?;
        }
        Event::Synced(e) => {
            event_row!(
                c,
                key,
                "deposits",
                ["split", "kind", "depositor", "amount", "received", "total_received"],
                [
                    k(&e.split),
                    "sync",
                    None::<String>,
                    int(e.amount)?,
                    int(e.amount)?,
                    e.total_received.to_string()
                ]
            );
            let mut s = need_split(c, &e.split).await?;
            let before = s.entries.clone();
            s.record_deposit(e.amount).map_err(program_math)?;
            store_split_from(c, &e.split, &s, Some(&before), slot).await?;
        }
        Event::Claimed(e) => {
            let parked = emitted_by_claim_parked(l);
            event_row!(
                c,
                key,
                "claims",
                ["split", "recipient", "destination", "amount", "claimed_by", "parked"],
                [
                    k(&e.split),
                    k(&e.recipient),
                    k(&e.destination),
                    int(e.amount)?,
                    k(&e.claimed_by),
                    i64::from(parked)
                ]
            );
            let mut s = need_split(c, &e.split).await?;
            if parked {
                s.record_parked_claim(e.amount).map_err(program_math)?;
                sqlx::query(
                    "UPDATE parked SET paid = 1 WHERE address = $2 AND parked = (SELECT parked FROM parked \
                     WHERE split = $1 AND address = $2 AND paid = 0 AND owed = $3 ORDER BY version LIMIT 1)",
                )
                .bind(k(&e.split))
                .bind(k(&e.recipient))
                .bind(int(e.amount)?)
                .execute(&mut *c)
                .await?;
            } else {
                let paid = s.record_claim(&e.recipient).map_err(program_math)?;
                if paid != e.amount {
                    return Err(Error::Invalid(format!(
                        "split {}: the replayed claim of {} pays {paid}, the event says {}",
                        e.split, e.recipient, e.amount
                    )));
                }
            }
            store_split(c, &e.split, &s, slot).await?;
        }
        Event::SplitUpdated(e) => {
            let mut s = need_split(c, &e.split).await?;
            s.apply_update(&e.recipients).map_err(program_math)?;
            s.authority = e.authority;
            if s.version != e.version {
                return Err(Error::Invalid(format!(
                    "split {}: replayed version {}, the event says {}",
                    e.split, s.version, e.version
                )));
            }
            store_split(c, &e.split, &s, slot).await?;
        }
        Event::BalancesParked(e) => {
            for b in &e.balances {
                sqlx::query(
                    "INSERT INTO parked (parked, address, split, version, owed) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (parked, address) DO NOTHING",
                )
                .bind(k(&e.parked))
                .bind(k(&b.address))
                .bind(k(&e.split))
                .bind(i64::from(e.version))
                .bind(int(b.owed)?)
                .execute(&mut *c)
                .await?;
            }
        }
        Event::SplitAuthorityProposed(e) => {
            sqlx::query("UPDATE splits SET pending_authority = $2, updated_slot = $3 WHERE address = $1")
                .bind(k(&e.split))
                .bind(e.proposed.as_ref().map(k))
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::SplitAuthorityAccepted(e) => {
            sqlx::query(
                "UPDATE splits SET authority = $2, pending_authority = NULL, updated_slot = $3 WHERE address = $1",
            )
            .bind(k(&e.split))
            .bind(k(&e.authority))
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::ProviderRegistered(e) => {
            sqlx::query(
                "INSERT INTO providers (address, authority, mint, endpoint, models, bond, registered_slot, updated_slot) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $6) ON CONFLICT (address) DO NOTHING",
            )
            .bind(k(&e.provider))
            .bind(k(&e.authority))
            .bind(k(&e.mint))
            .bind(e.endpoint.as_str())
            .bind(json(&e.models.iter().map(k).collect::<Vec<_>>()))
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::ProviderUpdated(e) => {
            sqlx::query("UPDATE providers SET endpoint = $2, models = $3, updated_slot = $4 WHERE address = $1")
                .bind(k(&e.provider))
                .bind(e.endpoint.as_str())
                .bind(json(&e.models.iter().map(k).collect::<Vec<_>>()))
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::BondChanged(e) => {
            let reason = format!("{:?}", e.reason);
            let job = (reason == "Slash").then(|| settled_job.map(k)).flatten();
            event_row!(
                c,
                key,
                "bond_changes",
                ["provider", "delta", "bond", "reason", "job"],
                [k(&e.provider), e.delta.to_string(), int(e.bond)?, reason.clone(), job]
            );
            let withdrawn = reason == "Withdrawal";
            sqlx::query(
                "UPDATE providers SET bond = $2, updated_slot = $3, \
                 unbond_amount = CASE WHEN $4 = 1 THEN 0 ELSE unbond_amount END, \
                 unbond_available_at = CASE WHEN $4 = 1 THEN 0 ELSE unbond_available_at END WHERE address = $1",
            )
            .bind(k(&e.provider))
            .bind(int(e.bond)?)
            .bind(slot)
            .bind(i64::from(withdrawn))
            .execute(&mut *c)
            .await?;
        }
        Event::UnbondRequested(e) => {
            sqlx::query(
                "UPDATE providers SET unbond_amount = $2, unbond_available_at = $3, updated_slot = $4 WHERE address = $1",
            )
            .bind(k(&e.provider))
            .bind(int(e.amount)?)
            .bind(e.available_at)
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::JobOpened(e) => {
            sqlx::query(
                "INSERT INTO jobs (address, consumer, job_id, model, requested_provider, fee, fee_bps, royalty_bps, \
                 state, input_commitment, funded_at, accept_deadline, delivery_window, challenge_window, \
                 opened_slot, updated_slot) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Open', $9, $10, $11, $12, $13, $14, $14) \
                 ON CONFLICT (address) DO NOTHING",
            )
            .bind(k(&e.job))
            .bind(k(&e.consumer))
            .bind(int(e.job_id)?)
            .bind(k(&e.model))
            .bind(e.requested_provider.as_ref().map(k))
            .bind(int(e.fee)?)
            .bind(i64::from(e.fee_bps))
            .bind(i64::from(e.royalty_bps))
            .bind(hex(&e.input_commitment))
            .bind(e.funded_at)
            .bind(e.accept_deadline)
            .bind(i64::from(e.delivery_window))
            .bind(i64::from(e.challenge_window))
            .bind(slot)
            .execute(&mut *c)
            .await?;
            transition(c, key, &e.job, "Open", None).await?;
        }
        Event::JobAccepted(e) => {
            sqlx::query(
                "UPDATE jobs SET state = 'Accepted', provider = $2, delivery_deadline = $3, slash_amount = $4, \
                 arbiter = $5, updated_slot = $6 WHERE address = $1",
            )
            .bind(k(&e.job))
            .bind(k(&e.provider))
            .bind(e.delivery_deadline)
            .bind(int(e.slash_amount)?)
            .bind(k(&e.arbiter))
            .bind(slot)
            .execute(&mut *c)
            .await?;
            transition(c, key, &e.job, "Accepted", None).await?;
        }
        Event::ResultSubmitted(e) => {
            sqlx::query(
                "UPDATE jobs SET state = 'Delivered', result_commitment = $2, challenge_deadline = $3, \
                 updated_slot = $4 WHERE address = $1",
            )
            .bind(k(&e.job))
            .bind(hex(&e.result_commitment))
            .bind(e.challenge_deadline)
            .bind(slot)
            .execute(&mut *c)
            .await?;
            transition(c, key, &e.job, "Delivered", None).await?;
        }
        Event::JobDisputed(e) => {
            sqlx::query(
                "UPDATE jobs SET state = 'Disputed', dispute_deadline = $2, updated_slot = $3 WHERE address = $1",
            )
            .bind(k(&e.job))
            .bind(e.dispute_deadline)
            .bind(slot)
            .execute(&mut *c)
            .await?;
            transition(c, key, &e.job, "Disputed", None).await?;
        }
        Event::JobSettled(e) => {
            let (outcome, share) = outcome_of(&e.outcome);
            sqlx::query(
                "UPDATE jobs SET state = 'Settled', outcome = $2, provider_share_bps = $3, to_treasury = $4, \
                 to_model_split = $5, to_provider = $6, to_consumer = $7, slashed = $8, surplus = $9, \
                 updated_slot = $10, to_parents = $11 WHERE address = $1",
            )
            .bind(k(&e.job))
            .bind(outcome)
            .bind(share.map(i64::from))
            .bind(int(e.to_treasury)?)
            .bind(int(e.to_model_split)?)
            .bind(int(e.to_provider)?)
            .bind(int(e.to_consumer)?)
            .bind(int(e.slashed)?)
            .bind(int(e.surplus)?)
            .bind(slot)
            .bind(json(&e.to_parents))
            .execute(&mut *c)
            .await?;
            transition(c, key, &e.job, "Settled", Some(outcome)).await?;
        }
        Event::ChannelOpened(e) => {
            sqlx::query(
                "INSERT INTO channels (address, payer, payee, provider, authorized_signer, model, mint, channel_id, \
                 deposit, fee_bps, royalty_bps, close_grace, opened_at, state, opened_slot, updated_slot) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'Open', $14, $14) \
                 ON CONFLICT (address) DO NOTHING",
            )
            .bind(k(&e.channel))
            .bind(k(&e.payer))
            .bind(k(&e.payee))
            .bind(k(&e.provider))
            .bind(k(&e.authorized_signer))
            .bind(k(&e.model))
            .bind(k(&e.mint))
            .bind(int(e.channel_id)?)
            .bind(int(e.deposit)?)
            .bind(i64::from(e.fee_bps))
            .bind(i64::from(e.royalty_bps))
            .bind(i64::from(e.close_grace))
            .bind(e.opened_at)
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::ChannelToppedUp(e) => {
            sqlx::query("UPDATE channels SET deposit = $2, updated_slot = $3 WHERE address = $1")
                .bind(k(&e.channel))
                .bind(int(e.deposit)?)
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::ChannelSettled(e) => {
            event_row!(
                c,
                key,
                "channel_settlements",
                [
                    "channel",
                    "cumulative",
                    "amount",
                    "to_treasury",
                    "to_model_split",
                    "to_parents",
                    "to_payee",
                    "settled",
                    "remaining"
                ],
                [
                    k(&e.channel),
                    int(e.cumulative)?,
                    int(e.amount)?,
                    int(e.to_treasury)?,
                    int(e.to_model_split)?,
                    json(&e.to_parents),
                    int(e.to_payee)?,
                    int(e.settled)?,
                    int(e.remaining)?
                ]
            );
            sqlx::query("UPDATE channels SET settled = $2, updated_slot = $3 WHERE address = $1")
                .bind(k(&e.channel))
                .bind(int(e.settled)?)
                .bind(slot)
                .execute(&mut *c)
                .await?;
        }
        Event::ChannelCloseRequested(e) => {
            sqlx::query(
                "UPDATE channels SET state = 'Closing', grace_ends_at = $2, updated_slot = $3 WHERE address = $1",
            )
            .bind(k(&e.channel))
            .bind(e.grace_ends_at)
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        Event::ChannelClosed(e) => {
            sqlx::query(
                "UPDATE channels SET state = 'Closed', settled = $2, refund = $3, surplus = $4, closed_by = $5, \
                 updated_slot = $6 WHERE address = $1",
            )
            .bind(k(&e.channel))
            .bind(int(e.settled)?)
            .bind(int(e.refund)?)
            .bind(int(e.surplus)?)
            .bind(k(&e.by))
            .bind(slot)
            .execute(&mut *c)
            .await?;
        }
        // Configuration and administration: kept in `events` only.
        Event::ConfigInitialized(_)
        | Event::ConfigUpdated(_)
        | Event::RegistryAdminProposed(_)
        | Event::RegistryAdminChanged(_)
        | Event::EscrowConfigUpdated(_)
        | Event::EscrowAdminProposed(_)
        | Event::EscrowAdminChanged(_)
        | Event::ModelProvidersSet(_)
        | Event::ChannelsConfigUpdated(_)
        | Event::ChannelsAdminProposed(_)
        | Event::ChannelsAdminChanged(_) => {}
    }
    Ok(())
}

/// A job outcome's name and, for a divided fee, the provider's share.
pub(crate) fn outcome_of(o: &JobOutcome) -> (&'static str, Option<u16>) {
    match o {
        JobOutcome::Confirmed => ("Confirmed", None),
        JobOutcome::Released => ("Released", None),
        JobOutcome::RefundedUnaccepted => ("RefundedUnaccepted", None),
        JobOutcome::RefundedUndelivered => ("RefundedUndelivered", None),
        JobOutcome::Resolved { provider_share_bps } => ("Resolved", Some(*provider_share_bps)),
        JobOutcome::SettledByDefault { provider_share_bps } => ("SettledByDefault", Some(*provider_share_bps)),
    }
}

async fn transition(c: &mut Conn, key: &Key<'_>, job: &Pubkey, state: &str, outcome: Option<&str>) -> Result<()> {
    event_row!(
        c,
        key,
        "job_transitions",
        ["job", "state", "outcome"],
        [k(job), state, outcome]
    );
    Ok(())
}

fn program_math(e: anchor_lang::error::Error) -> Error {
    Error::Invalid(format!("replaying the royalties program's split math: {e}"))
}

async fn need_split(c: &mut Conn, address: &Pubkey) -> Result<Split> {
    load_split(c, &k(address))
        .await?
        .ok_or_else(|| Error::Invalid(format!("an event of split {address} came before its SplitCreated")))
}

/// The split at `address` as the royalties program holds it (bumps excepted), rebuilt from
/// its row and entries.
pub(crate) async fn load_split(c: &mut Conn, address: &str) -> Result<Option<Split>> {
    let Some(r) = sqlx::query(
        "SELECT subject, authority, mint, vault, total_received, total_claimed, epoch_start, version, \
         pending_authority FROM splits WHERE address = $1",
    )
    .bind(address)
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT address, bps, settled, claimed_in_epoch FROM split_entries WHERE split = $1 ORDER BY position",
    )
    .bind(address)
    .fetch_all(&mut *c)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for e in rows {
        entries.push(RecipientEntry {
            address: pubkey(&e.try_get::<String, _>("address")?)?,
            bps: u16::try_from(e.try_get::<i64, _>("bps")?).map_err(|_| Error::Invalid("bad bps".into()))?,
            settled: u64::try_from(e.try_get::<i64, _>("settled")?)
                .map_err(|_| Error::Invalid("bad settled".into()))?,
            claimed_in_epoch: u128_of(&e.try_get::<String, _>("claimed_in_epoch")?)?,
        });
    }
    let pending: Option<String> = r.try_get("pending_authority")?;
    Ok(Some(Split {
        subject: pubkey(&r.try_get::<String, _>("subject")?)?,
        authority: pubkey(&r.try_get::<String, _>("authority")?)?,
        mint: pubkey(&r.try_get::<String, _>("mint")?)?,
        vault: pubkey(&r.try_get::<String, _>("vault")?)?,
        total_received: u128_of(&r.try_get::<String, _>("total_received")?)?,
        total_claimed: u128_of(&r.try_get::<String, _>("total_claimed")?)?,
        epoch_start: u128_of(&r.try_get::<String, _>("epoch_start")?)?,
        version: u32::try_from(r.try_get::<i64, _>("version")?).map_err(|_| Error::Invalid("bad version".into()))?,
        bump: 0,
        vault_bump: 0,
        entries,
        pending_authority: pending.as_deref().map(pubkey).transpose()?,
    }))
}

/// Writes `s` back; its entries only if they differ from `before` (a deposit changes none).
async fn store_split(c: &mut Conn, address: &Pubkey, s: &Split, slot: i64) -> Result<()> {
    store_split_from(c, address, s, None, slot).await
}

async fn store_split_from(
    c: &mut Conn,
    address: &Pubkey,
    s: &Split,
    before: Option<&[RecipientEntry]>,
    slot: i64,
) -> Result<()> {
    let a = k(address);
    sqlx::query(
        "UPDATE splits SET authority = $2, total_received = $3, total_claimed = $4, epoch_start = $5, version = $6, \
         updated_slot = $7 WHERE address = $1",
    )
    .bind(a.as_str())
    .bind(k(&s.authority))
    .bind(s.total_received.to_string())
    .bind(s.total_claimed.to_string())
    .bind(s.epoch_start.to_string())
    .bind(i64::from(s.version))
    .bind(slot)
    .execute(&mut *c)
    .await?;
    if before == Some(s.entries.as_slice()) {
        return Ok(());
    }
    sqlx::query("DELETE FROM split_entries WHERE split = $1")
        .bind(a.as_str())
        .execute(&mut *c)
        .await?;
    for (i, e) in s.entries.iter().enumerate() {
        sqlx::query(
            "INSERT INTO split_entries (split, position, address, bps, settled, claimed_in_epoch) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.as_str())
        .bind(i as i64)
        .bind(k(&e.address))
        .bind(i64::from(e.bps))
        .bind(int(e.settled)?)
        .bind(e.claimed_in_epoch.to_string())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tessera_client::royalties::{
        events::{Claimed, Deposited, SplitCreated, SplitUpdated},
        state::RecipientInput,
    };

    use super::*;
    use crate::{api, Db};

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    fn located(inner: u32, event: Event) -> Located {
        Located {
            ix_index: 0,
            inner_index: inner,
            program: tessera_client::ROYALTIES_ID,
            emitter: None,
            event,
            body_hex: String::new(),
        }
    }

    fn recipients(v: &[(u8, u16)]) -> Vec<RecipientInput> {
        v.iter()
            .map(|&(k, bps)| RecipientInput { address: key(k), bps })
            .collect()
    }

    /// A split's events replayed with the program's math on SQLite; a transaction applied twice
    /// counts once.
    #[tokio::test]
    async fn split_events_replay_and_apply_once() {
        let dir = std::env::temp_dir().join(format!("tessera-indexer-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::open(dir.join("unit.db").to_str().unwrap()).await.unwrap();
        let split = key(9);
        let created = vec![located(
            0,
            Event::SplitCreated(SplitCreated {
                split,
                subject: key(8),
                authority: key(1),
                mint: key(7),
                vault: key(6),
                recipients: recipients(&[(1, 7_000), (2, 3_000)]),
            }),
        )];
        let deposit = |amount: u64, total: u128| {
            Event::Deposited(Deposited {
                split,
                depositor: key(5),
                amount,
                received: amount,
                total_received: total,
            })
        };
        let tx = |sig: &'static str, slot: u64, events: &'static [Located]| TxRecord {
            signature: sig,
            slot,
            block_time: Some(1_000),
            failed: false,
            events,
        };
        let created: &'static [Located] = Box::leak(created.into_boxed_slice());
        let deposits: &'static [Located] = Box::leak(vec![located(0, deposit(1_001, 1_001))].into_boxed_slice());
        let claim: &'static [Located] = Box::leak(
            vec![located(
                0,
                Event::Claimed(Claimed {
                    split,
                    recipient: key(2),
                    destination: key(2),
                    amount: 300,
                    claimed_by: key(2),
                }),
            )]
            .into_boxed_slice(),
        );
        let update: &'static [Located] = Box::leak(
            vec![
                located(
                    0,
                    Event::SplitUpdated(SplitUpdated {
                        split,
                        authority: key(1),
                        recipients: recipients(&[(1, 10_000)]),
                        version: 1,
                    }),
                ),
                located(1, deposit(500, 1_501)),
            ]
            .into_boxed_slice(),
        );
        let programs = [tessera_client::ROYALTIES_ID];
        assert_eq!(apply(&db.pool, &tx("a", 1, created), &programs).await.unwrap(), 1);
        assert_eq!(apply(&db.pool, &tx("b", 2, deposits), &programs).await.unwrap(), 1);
        assert_eq!(
            apply(&db.pool, &tx("b", 2, deposits), &programs).await.unwrap(),
            0,
            "once"
        );
        assert_eq!(apply(&db.pool, &tx("c", 3, claim), &programs).await.unwrap(), 1);
        assert_eq!(apply(&db.pool, &tx("d", 4, update), &programs).await.unwrap(), 2);
        // 70% of 1,001 = 700 (dust 1 carried), then all of 500 + the dust.
        let one = api::owed(&db, &key(1).to_string()).await.unwrap();
        assert_eq!(one.items[0].owed, 700 + 501);
        let two = api::owed(&db, &key(2).to_string()).await.unwrap();
        assert_eq!(two.items.len(), 0, "claimed its 300, removed with nothing left");
        let t = api::totals(&db).await.unwrap();
        assert_eq!((t.splits, t.claims, t.events), (1, 1, 5));
        assert_eq!(api::status(&db).await.unwrap().cursors[0].signature, "d");
        db.pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
