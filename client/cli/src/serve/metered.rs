//! The metered gate (`tessera serve --upstream URL --price-per-call P`): each model call is paid
//! by a voucher of a payment channel (`tessera-channels`), checked off chain in microseconds, and
//! the gate settles the vouchers on chain on its own.
//!
//! # Routes
//! - `GET  /v1/assets/{asset}/payment` → the payment requirements (the `payment` object below).
//! - `GET  /v1/assets/{asset}/channels/{channel}` → what the gate accepted on a channel
//!   (`{channel, accepted, settled, calls, deposit, required}`), so that a client resumes.
//! - `GET  /v1/assets/{asset}/challenge` → a nonce for a free call (the access gate's proof).
//! - `POST /v1/assets/{asset}/infer` → forwarded to the upstream when paid.
//!
//! # Paying a call
//! A call carries `X-Tessera-Voucher` ([`tessera_client::channel`] documents the encoding and
//! the signed message). It is forwarded only when all of these hold, else it is refused with a
//! stable `reason` (the JSON body is `{"error": REASON, "reason": REASON, "message", …}`, and a
//! 402 adds the `payment` requirements):
//! - the voucher decodes (`voucher_malformed`, 400) and its signature is valid
//!   (`voucher_bad_signature`);
//! - the channel exists (`channel_not_found`), is for this model and this gate's payee
//!   (`channel_not_for_this_gate`), holds at least the minimum deposit (`deposit_too_small`), has
//!   a close grace of at least `--min-close-grace` (`close_grace_too_short`: the time the gate
//!   needs to see a close request and settle before the payer can finalize), an inference
//!   royalty no higher than the model's when the gate started (`channel_royalty_too_high`) and
//!   no close was requested (`channel_closing`); its state is read from the chain and kept for
//!   `--channel-refresh` seconds (read again at once when a voucher goes beyond the deposit);
//! - the voucher is signed by the channel's authorized signer (`voucher_wrong_signer`) and does
//!   not expire within [`EXPIRY_MARGIN_SECS`] (`voucher_expired`);
//! - its cumulative amount covers everything accepted on the channel so far plus this call: below
//!   the accepted total it is `voucher_stale`, equal to it `voucher_replayed`, above it by less
//!   than the price `voucher_insufficient`; and it is within the deposit (`voucher_above_deposit`).
//!
//! The highest voucher is written to SQLite (`synchronous = FULL`) *before* the answer is sent
//! (the vouchers of concurrent channels share one transaction and one `fsync`: see `vouchers`).
//! Only an upstream answer with a 2xx status is charged: a failed call (no answer, a timeout, an
//! error status) leaves the accepted total where it was, so the same voucher pays for the retry.
//! A retry of the last paid call with the same voucher within `--retry-window` seconds gets the
//! same answer again (`X-Tessera-Retry: true`), not charged twice. After that window (or a
//! restart), the same voucher is `voucher_replayed` once its answer was sent; a voucher whose
//! answer was never sent (the store records, durably, whether the answer's body was handed to
//! the connection: the gate crashed or the connection broke between the store and the answer)
//! is forwarded to the upstream again, without charge, until one answer is sent (audit D3); the
//! answer has `X-Tessera-Retry: true`. One call at a time per channel: a concurrent one gets 409
//! `channel_busy` with `Retry-After: 1`; a voucher not signed by the channel's signer is refused
//! before it takes the channel's turn (anyone may name any channel).
//!
//! A paid answer carries `X-Tessera-Accepted` (the channel's accepted total) and
//! `X-Tessera-Remaining` (deposit − accepted).
//!
//! # Free calls
//! With `--free-calls N`, each payer wallet's first N calls need no voucher: the call carries the
//! access gate's proof headers (`X-Tessera-Holder`, `X-Tessera-Nonce`, `X-Tessera-Signature`
//! over a nonce of `/challenge`, see `tessera_client::proof`); a call that fails upstream is not
//! counted. Then `free_calls_used` (402). The wallet must be the payer of a channel to this
//! gate's payee for this model, in the model's payment mint, open with no close requested and
//! a deposit of at least the minimum (audit D1: free calls were farmed with fresh keypairs);
//! else `free_calls_need_channel` (402). The calls are counted per wallet, whatever its
//! channels. A wallet that never opened a channel is refused on one account read (its
//! `PayerChannels` counter); the others cost one `getProgramAccounts` filtered on payer, payee
//! and model.
//!
//! # Settlement
//! A thread settles on its own (the gate's wallet pays the fees; the money goes to the
//! channel's payee): a channel whose unsettled amount reaches `--settle-threshold`, every
//! channel with unsettled calls every `--settle-interval` seconds, a channel whose close was
//! requested at once (before its grace ends), and a voucher about to expire. Several vouchers
//! go in one transaction when they fit. The voucher settled is the highest accepted while the
//! chain still takes it; once it has expired unsettled, the highest accepted voucher without an
//! expiry (audit D2: the gate keeps both), so what an expiring voucher alone paid for is the
//! most that can be lost, and only if it could not be settled in its last minute. The settled
//! total is recorded in the store; a voucher
//! the chain already settled (seen on the channel) is never sent again, across restarts.

use std::{
    collections::{HashMap, HashSet},
    str::FromStr,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rand::RngCore;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use tessera_client::{
    amount::format_ui_amount,
    channel::{ChannelFilter, Voucher, VOUCHER_HEADER},
    channels::state::{Channel, PayerChannels},
    pda, proof,
    registry::state::Asset,
    Pubkey, Result, Tessera, TesseraError, CHANNELS_ID,
};

use super::vouchers::{ChannelBook, VoucherStore};

/// A voucher must stay valid at least this long after the call, for the gate to settle it.
pub const EXPIRY_MARGIN_SECS: i64 = 120;
/// How often the settlement thread looks at the books.
const SETTLE_TICK: Duration = Duration::from_millis(500);
/// Largest inference request body forwarded.
const MAX_BODY: usize = super::gate::MAX_INFER_BODY;
/// Most outstanding free-call nonces kept: when they are all unexpired, `/challenge` answers
/// 503 `too_many_challenges` rather than growing (anyone may ask for challenges).
const MAX_NONCES: usize = 100_000;
/// Most channels whose chain state is cached. A voucher may name any address (its sender signs
/// it with any key), so the cache keeps only what was read within `--channel-refresh` once it is
/// this large; beyond that a state is read and not kept.
const MAX_SEEN: usize = 10_000;
/// Most answers kept for a retry: past it the expired ones go, then the oldest.
const MAX_ANSWERS: usize = 10_000;

pub const ACCEPTED_HEADER: &str = "x-tessera-accepted";
pub const REMAINING_HEADER: &str = "x-tessera-remaining";
pub const RETRY_HEADER: &str = "x-tessera-retry";
pub const FREE_CALLS_LEFT_HEADER: &str = "x-tessera-free-calls-left";

/// The metered gate's terms.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Base units per call.
    pub price: u64,
    pub min_deposit: u64,
    pub free_calls: u64,
    pub settle_threshold: u64,
    pub settle_interval: i64,
    pub channel_refresh: Duration,
    pub retry_window: i64,
    pub nonce_ttl: i64,
    /// The shortest close grace (seconds) a channel may have: the payer may request the close
    /// and finalize as soon as the grace ends, so the gate needs this long to see the request
    /// and land its settlement (`--min-close-grace`).
    pub min_close_grace: u32,
    /// The highest inference royalty (bps) a channel may have snapshotted: the model's when the
    /// gate started. A channel keeps the royalty of its opening; one opened while the publisher
    /// had raised it (if only for that moment) would pay the payee less than the price was set
    /// for, and the publisher more.
    pub max_royalty_bps: u16,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A refusal: status, the stable reason, a message, extra fields; a 402 carries the payment
/// requirements.
pub struct Refusal {
    status: StatusCode,
    reason: &'static str,
    message: String,
    extra: Vec<(&'static str, Value)>,
    retry_after: Option<u64>,
}

fn refuse(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason,
        message: message.into(),
        extra: vec![],
        retry_after: None,
    }
}

fn unpaid(reason: &'static str, message: impl Into<String>) -> Refusal {
    refuse(StatusCode::PAYMENT_REQUIRED, reason, message)
}

impl Refusal {
    fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    fn into_response(self, payment: &Value) -> Response {
        let mut body = json!({ "error": self.reason, "reason": self.reason, "message": self.message });
        for (k, v) in self.extra {
            body[k] = v;
        }
        if self.status == StatusCode::PAYMENT_REQUIRED {
            body["payment"] = payment.clone();
        }
        let mut r = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

/// The chain state of a channel as last read.
#[derive(Clone)]
struct Seen {
    channel: Option<Channel>,
    at: Instant,
}

/// The answer to the last paid call of a channel, for a retry with the same voucher.
#[derive(Clone)]
struct Answer {
    voucher: Voucher,
    at: i64,
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
    remaining: u64,
}

pub struct Metered {
    domain: String,
    asset: Pubkey,
    payee: Pubkey,
    /// The model's payment mint (a free call's channel must be in it).
    mint: Pubkey,
    terms: Terms,
    /// Reads channels (never signs).
    chain: Arc<Tessera>,
    upstream: String,
    client: reqwest::Client,
    store: Arc<VoucherStore>,
    seen: Arc<Mutex<HashMap<Pubkey, Seen>>>,
    busy: Arc<Mutex<HashSet<Pubkey>>>,
    answers: Mutex<HashMap<Pubkey, Answer>>,
    nonces: Mutex<HashMap<String, i64>>,
    payment: Value,
}

/// Marks a channel busy while its call runs. Owned (not borrowed from the gate), so that the
/// voucher's write, which runs on a blocking thread, can hold it: a client that goes away while
/// the write is pending must not free the channel before the write is done.
struct Busy(Arc<Mutex<HashSet<Pubkey>>>, Pubkey);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.lock().expect("busy").remove(&self.1);
    }
}

/// Caches a channel's chain state, within [`MAX_SEEN`]: when full, the states older than
/// `refresh` go; if it is still full the state is not kept (it is read again next time).
fn remember(seen: &mut HashMap<Pubkey, Seen>, key: Pubkey, state: Seen, refresh: Duration) {
    if seen.len() >= MAX_SEEN && !seen.contains_key(&key) {
        seen.retain(|_, s| s.at.elapsed() < refresh);
        if seen.len() >= MAX_SEEN {
            return;
        }
    }
    seen.insert(key, state);
}

/// Keeps the answer to a channel's last paid call for a retry, within [`MAX_ANSWERS`]: when
/// full, the answers older than `window` seconds go, then the oldest one.
fn keep_answer(answers: &mut HashMap<Pubkey, Answer>, channel: Pubkey, window: i64, answer: Answer) {
    if answers.len() >= MAX_ANSWERS && !answers.contains_key(&channel) {
        let t = answer.at;
        answers.retain(|_, a| a.at.saturating_add(window) >= t);
        if answers.len() >= MAX_ANSWERS {
            if let Some(oldest) = answers.iter().min_by_key(|(_, a)| a.at).map(|(k, _)| *k) {
                answers.remove(&oldest);
            }
        }
    }
    answers.insert(channel, answer);
}

/// Records a free-call nonce expiring at `expires`, within [`MAX_NONCES`]: when full, the
/// expired ones go; `false` (nothing recorded) if it is still full.
fn keep_nonce(nonces: &mut HashMap<String, i64>, nonce: String, expires: i64, now: i64) -> bool {
    if nonces.len() >= MAX_NONCES {
        nonces.retain(|_, e| *e > now);
        if nonces.len() >= MAX_NONCES {
            return false;
        }
    }
    nonces.insert(nonce, expires);
    true
}

/// The payment requirements (the `payment` object of a 402, and `GET …/payment`).
pub fn requirements(asset: &Pubkey, payee: &Pubkey, mint: &Pubkey, decimals: u8, terms: &Terms, domain: &str) -> Value {
    json!({
        "scheme": "tessera-channel-v1",
        "asset": asset.to_string(),
        "channelsProgram": CHANNELS_ID.to_string(),
        "payee": payee.to_string(),
        "provider": tessera_client::pda::provider(payee).to_string(),
        "mint": mint.to_string(),
        "decimals": decimals,
        "pricePerCall": terms.price,
        "pricePerCallUi": format_ui_amount(terms.price, decimals),
        "minDeposit": terms.min_deposit,
        "minDepositUi": format_ui_amount(terms.min_deposit, decimals),
        "freeCalls": terms.free_calls,
        "minCloseGraceSecs": terms.min_close_grace,
        "domain": domain,
        "voucher": {
            "header": "X-Tessera-Voucher",
            "format": "v1.<channel>.<cumulative>.<expiry>.<signer>.<signature>",
            "fields": "channel and signer: base58 addresses; cumulative: base units (decimal); expiry: unix seconds (decimal, 0 = none); signature: base58 ed25519",
            "message": "50 bytes: 0x56 0x01 || channel address (32) || cumulative u64 LE || expiry i64 LE",
            "signer": "the channel's authorized signer",
            "cumulative": "everything this gate accepted on the channel so far + pricePerCall (GET /v1/assets/{asset}/channels/{channel} tells the accepted total)",
            "minExpiryMarginSecs": EXPIRY_MARGIN_SECS,
        },
        "open": "open a channel with tessera-channels `open_channel` for this asset to this payee, deposit >= minDeposit, close grace >= minCloseGraceSecs (tessera channel open)",
        "freeCall": {
            "challenge": format!("/v1/assets/{asset}/challenge"),
            "headers": ["X-Tessera-Holder", "X-Tessera-Nonce", "X-Tessera-Signature"],
            "requires": "the wallet (X-Tessera-Holder) is the payer of a channel to this payee for this asset, open with no close requested, deposit >= minDeposit; freeCalls are counted per wallet",
        },
    })
}

impl Metered {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        domain: String,
        asset: Pubkey,
        payee: Pubkey,
        mint: Pubkey,
        decimals: u8,
        terms: Terms,
        chain: Tessera,
        upstream: String,
        client: reqwest::Client,
        store: Arc<VoucherStore>,
    ) -> Self {
        let payment = requirements(&asset, &payee, &mint, decimals, &terms, &domain);
        Self {
            domain,
            asset,
            payee,
            mint,
            terms,
            chain: Arc::new(chain),
            upstream,
            client,
            store,
            seen: Arc::new(Mutex::new(HashMap::new())),
            busy: Arc::new(Mutex::new(HashSet::new())),
            answers: Mutex::new(HashMap::new()),
            nonces: Mutex::new(HashMap::new()),
            payment,
        }
    }

    fn refused(&self, r: Refusal) -> Response {
        r.into_response(&self.payment)
    }

    fn check_asset(&self, path_asset: &str) -> std::result::Result<(), Refusal> {
        match Pubkey::from_str(path_asset) {
            Ok(k) if k == self.asset => Ok(()),
            _ => Err(refuse(
                StatusCode::NOT_FOUND,
                "unknown_asset",
                format!("this server does not serve asset `{path_asset}`"),
            )),
        }
    }

    /// The channel's chain state: the one read within `--channel-refresh`, else read now
    /// (`fresh` forces a read).
    async fn channel(&self, key: &Pubkey, fresh: bool) -> std::result::Result<Option<Channel>, Refusal> {
        if !fresh {
            if let Some(s) = self.seen.lock().expect("seen").get(key) {
                if s.at.elapsed() < self.terms.channel_refresh {
                    return Ok(s.channel.clone());
                }
            }
        }
        let (chain, k) = (self.chain.clone(), *key);
        let read = tokio::task::spawn_blocking(move || chain.channels(&[k]))
            .await
            .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
            .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?;
        let channel = read.into_iter().next().flatten();
        remember(
            &mut self.seen.lock().expect("seen"),
            *key,
            Seen {
                channel: channel.clone(),
                at: Instant::now(),
            },
            self.terms.channel_refresh,
        );
        Ok(channel)
    }

    /// Both checks of a voucher, in `infer`'s order (the unit tests' entry).
    #[cfg(test)]
    async fn check_voucher(&self, v: &Voucher) -> std::result::Result<Checked, Refusal> {
        self.check_signer(v).await?;
        self.check_terms(v).await
    }

    /// What a voucher must pass before it takes its channel's turn (see `infer`): its signature
    /// is its signer's, the channel exists (state as cached) and the signer is the channel's.
    async fn check_signer(&self, v: &Voucher) -> std::result::Result<(), Refusal> {
        if !v.verify() {
            return Err(unpaid(
                "voucher_bad_signature",
                "the voucher's signature is not its signer's signature of the voucher message",
            ));
        }
        match self.channel(&v.channel, false).await? {
            None => Err(unpaid(
                "channel_not_found",
                format!("no open channel at {} (closed, or never opened)", v.channel),
            )),
            Some(c) if v.signer != c.authorized_signer => Err(unpaid(
                "voucher_wrong_signer",
                format!(
                    "the voucher is signed by {}, not by the channel's authorized signer {}",
                    v.signer, c.authorized_signer
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// The rest of the checks (see the module), once the voucher is the channel signer's.
    async fn check_terms(&self, v: &Voucher) -> std::result::Result<Checked, Refusal> {
        let mut channel = self.channel(&v.channel, false).await?;
        // A voucher beyond the deposit we know of may follow a top-up: read it again.
        if channel.as_ref().is_some_and(|c| v.cumulative > c.deposit) {
            channel = self.channel(&v.channel, true).await?;
        }
        let Some(c) = channel else {
            return Err(unpaid(
                "channel_not_found",
                format!("no open channel at {} (closed, or never opened)", v.channel),
            ));
        };
        if c.model != self.asset || c.payee != self.payee {
            return Err(unpaid(
                "channel_not_for_this_gate",
                format!(
                    "channel {} pays {} for model {}; this gate is {} for {}",
                    v.channel, c.payee, c.model, self.payee, self.asset
                ),
            ));
        }
        if c.close_requested_at != 0 {
            return Err(unpaid(
                "channel_closing",
                format!(
                    "a close of channel {} was requested: it takes no more vouchers",
                    v.channel
                ),
            ));
        }
        if c.deposit < self.terms.min_deposit {
            return Err(unpaid(
                "deposit_too_small",
                format!(
                    "the channel's deposit {} is below this gate's minimum {}",
                    c.deposit, self.terms.min_deposit
                ),
            ));
        }
        if c.royalty_bps > self.terms.max_royalty_bps {
            return Err(unpaid(
                "channel_royalty_too_high",
                format!(
                    "the channel was opened with an inference royalty of {} bps, above the {} bps this gate's price is set for: open a new channel",
                    c.royalty_bps, self.terms.max_royalty_bps
                ),
            ));
        }
        if c.close_grace < self.terms.min_close_grace {
            // The payer could request the close and finalize before the gate settles.
            return Err(unpaid(
                "close_grace_too_short",
                format!(
                    "the channel's close grace {} s is below this gate's minimum {} s: open a channel with a longer grace",
                    c.close_grace, self.terms.min_close_grace
                ),
            ));
        }
        if v.signer != c.authorized_signer {
            return Err(unpaid(
                "voucher_wrong_signer",
                format!(
                    "the voucher is signed by {}, not by the channel's authorized signer {}",
                    v.signer, c.authorized_signer
                ),
            ));
        }
        if v.expiry != 0 && v.expiry < now().saturating_add(EXPIRY_MARGIN_SECS) {
            return Err(unpaid(
                "voucher_expired",
                format!("the voucher expires at {}: too soon to be settled", v.expiry),
            ));
        }
        let key = v.channel.to_string();
        let store_error = |e: TesseraError| refuse(StatusCode::INTERNAL_SERVER_ERROR, "store_error", e.to_string());
        let mut book = self.store.get(&key).map_err(store_error)?;
        if book.as_ref().is_some_and(|b| b.opened_at != c.opened_at) {
            // Another channel at the same address: its books start over.
            self.store.forget(&key).map_err(store_error)?;
            self.answers.lock().expect("answers").remove(&v.channel);
            book = None;
        }
        let accepted = book.as_ref().map_or(0, |b| b.accepted).max(c.settled);
        let required = accepted.saturating_add(self.terms.price);
        let at = |r: Refusal| r.with("accepted", accepted).with("required", required);
        if let Some(b) = book.as_ref().filter(|b| b.voucher.as_ref() == Some(v)) {
            let answer = self.answers.lock().expect("answers").get(&v.channel).cloned();
            return match answer {
                Some(a) if a.voucher == *v && now() <= a.at.saturating_add(self.terms.retry_window) => {
                    Ok(Checked::Retry(a))
                }
                // Paid, its answer never sent (a crash or a broken connection between the store
                // and the answer): forwarded again, not charged (audit D3).
                _ if !b.delivered => Ok(Checked::Redeliver(Box::new(c))),
                _ => Err(at(unpaid(
                    "voucher_replayed",
                    "this voucher already paid for a call; sign one for the accepted total plus the price",
                ))),
            };
        }
        if v.cumulative < accepted {
            return Err(at(unpaid(
                "voucher_stale",
                "the voucher is below what this channel already paid; sign one for the accepted total plus the price",
            )));
        }
        if v.cumulative == accepted {
            return Err(at(unpaid(
                "voucher_replayed",
                "the voucher pays nothing beyond what this channel already paid",
            )));
        }
        if v.cumulative < required {
            return Err(at(unpaid(
                "voucher_insufficient",
                "the voucher does not cover the accepted total plus the price of this call",
            )));
        }
        if v.cumulative > c.deposit {
            return Err(at(unpaid(
                "voucher_above_deposit",
                format!(
                    "the voucher is above the channel's deposit {}: top the channel up",
                    c.deposit
                ),
            ))
            .with("deposit", c.deposit));
        }
        Ok(Checked::Pay(Box::new(c)))
    }

    /// Whether `payer` has a channel that earns it free calls (see [`earns_free_calls`]).
    async fn earns_free_calls(&self, payer: &Pubkey) -> std::result::Result<bool, Refusal> {
        let (chain, payer, payee, model, mint, min) = (
            self.chain.clone(),
            *payer,
            self.payee,
            self.asset,
            self.mint,
            self.terms.min_deposit,
        );
        tokio::task::spawn_blocking(move || -> Result<bool> {
            // A wallet that never opened a channel has no counter: one account read, no scan.
            if chain
                .fetch_opt::<PayerChannels>(&pda::payer_channels(&payer))?
                .is_none()
            {
                return Ok(false);
            }
            let channels = chain.list_channels(&ChannelFilter {
                payer: Some(payer),
                payee: Some(payee),
                model: Some(model),
            })?;
            Ok(channels
                .iter()
                .any(|(_, c)| earns_free_calls(c, &payer, &payee, &model, &mint, min)))
        })
        .await
        .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
        .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))
    }

    /// A single-use nonce for a free call, or `None` when [`MAX_NONCES`] unexpired ones are out.
    fn issue_nonce(&self) -> Option<(String, i64)> {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let nonce: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let t = now();
        let expires = t.saturating_add(self.terms.nonce_ttl);
        let mut nonces = self.nonces.lock().expect("nonces");
        keep_nonce(&mut nonces, nonce.clone(), expires, t).then_some((nonce, expires))
    }

    /// A free call's proof: the holder, once its single-use nonce is checked and spent.
    fn free_call_holder(&self, headers: &HeaderMap) -> std::result::Result<Option<Pubkey>, Refusal> {
        let h = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (Some(holder), Some(nonce), Some(signature)) = (
            h(proof::HOLDER_HEADER),
            h(proof::NONCE_HEADER),
            h(proof::SIGNATURE_HEADER),
        ) else {
            return Ok(None);
        };
        let holder = Pubkey::from_str(&holder).map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("X-Tessera-Holder `{holder}` is not a base58 address"),
            )
        })?;
        let mut nonces = self.nonces.lock().expect("nonces");
        let Some(&expires) = nonces.get(&nonce) else {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "unknown_nonce",
                "this nonce was not issued by this server, or was already used",
            ));
        };
        if now() > expires {
            nonces.remove(&nonce);
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "expired_nonce",
                "this nonce has expired; ask for a new challenge",
            ));
        }
        if !proof::verify(&holder, &signature, &self.domain, &self.asset, &nonce, expires) {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "the signature does not match the holder and the challenge",
            ));
        }
        nonces.remove(&nonce);
        Ok(Some(holder))
    }

    /// Forwards the body to the upstream: its status, content type and body, or a refusal
    /// (unreachable, timeout, unreadable answer).
    async fn forward(
        &self,
        headers: &HeaderMap,
        body: Bytes,
    ) -> std::result::Result<(StatusCode, Option<HeaderValue>, Bytes), Refusal> {
        let mut upstream = self.client.post(&self.upstream).body(body);
        if let Some(ct) = headers.get(header::CONTENT_TYPE) {
            upstream = upstream.header("content-type", ct.as_bytes());
        }
        let resp = upstream.send().await.map_err(|e| {
            if e.is_timeout() {
                refuse(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream_timeout",
                    "the inference upstream did not answer in time; not charged: retry with the same voucher",
                )
            } else {
                refuse(
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    format!("the inference upstream failed: {e}; not charged: retry with the same voucher"),
                )
            }
        })?;
        let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
        let bytes = resp.bytes().await.map_err(|e| {
            refuse(
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                format!("the upstream's answer could not be read: {e}; not charged"),
            )
        })?;
        Ok((status, ct, bytes))
    }
}

enum Checked {
    Pay(Box<Channel>),
    /// The same voucher as the last answer kept: that answer again.
    Retry(Answer),
    /// The channel's last voucher, paid, its answer never sent: forwarded again, not charged.
    Redeliver(Box<Channel>),
}

/// `bytes` as a body that records, once it is handed to the connection, that the call paid by
/// `voucher` was delivered (the store's `delivered`, written off the request path).
fn delivering(store: Arc<VoucherStore>, voucher: &Voucher, bytes: Bytes) -> axum::body::Body {
    use http_body_util::BodyExt;
    let (channel, cumulative) = (voucher.channel.to_string(), voucher.cumulative);
    let mut once = Some((store, channel, cumulative));
    axum::body::Body::new(http_body_util::Full::new(bytes).map_frame(move |frame| {
        if let Some((store, channel, cumulative)) = once.take() {
            tokio::task::spawn_blocking(move || {
                if let Err(e) = store.delivered(&channel, cumulative) {
                    eprintln!(
                        "{} voucher store: could not mark the answer of {channel} sent: {e}",
                        now()
                    );
                }
            });
        }
        frame
    }))
}

/// Whether `c` earns its payer free calls at this gate (audit D1): a channel to `payee` for
/// `model` in `mint`, open with no close requested, holding at least `min_deposit`.
fn earns_free_calls(
    c: &Channel,
    payer: &Pubkey,
    payee: &Pubkey,
    model: &Pubkey,
    mint: &Pubkey,
    min_deposit: u64,
) -> bool {
    c.payer == *payer
        && c.payee == *payee
        && c.model == *model
        && c.mint == *mint
        && c.close_requested_at == 0
        && c.deposit >= min_deposit
}

/// The voucher to settle on a channel (audit D2): the highest accepted while the chain still
/// takes it (no expiry, or not past it), else the highest accepted without expiry.
pub fn settleable(book: &ChannelBook, now: i64) -> Option<&Voucher> {
    match &book.voucher {
        Some(v) if v.expiry == 0 || now <= v.expiry => Some(v),
        _ => book.fallback.as_ref(),
    }
}

fn answer(status: StatusCode, ct: Option<HeaderValue>, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    if let Some(ct) = ct {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r
}

fn log(path: &str, who: &str, decision: &str) {
    eprintln!("{} POST {path} {who} {decision}", now());
}

pub async fn payment(State(m): State<Arc<Metered>>, Path(asset): Path<String>) -> Response {
    if let Err(r) = m.check_asset(&asset) {
        return m.refused(r);
    }
    Json(m.payment.clone()).into_response()
}

pub async fn challenge(State(m): State<Arc<Metered>>, Path(asset): Path<String>) -> Response {
    if let Err(r) = m.check_asset(&asset) {
        return m.refused(r);
    }
    let Some((nonce, expires)) = m.issue_nonce() else {
        let mut r = refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_challenges",
            "too many challenges are outstanding; retry shortly",
        );
        r.retry_after = Some(1);
        return m.refused(r);
    };
    Json(json!({
        "asset": m.asset.to_string(),
        "domain": m.domain,
        "nonce": nonce,
        "expiresAt": expires,
        "message": proof::message(&m.domain, &m.asset, &nonce, expires),
    }))
    .into_response()
}

/// What the gate accepted on a channel (for a client to resume its cumulative amount).
pub async fn channel_status(State(m): State<Arc<Metered>>, Path((asset, channel)): Path<(String, String)>) -> Response {
    if let Err(r) = m.check_asset(&asset) {
        return m.refused(r);
    }
    let Ok(key) = Pubkey::from_str(&channel) else {
        return m.refused(refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("`{channel}` is not a channel address"),
        ));
    };
    // The cached state (within `--channel-refresh`): an unauthenticated route must not turn
    // every request into a chain read (the settler's reads share the same RPC).
    let c = match m.channel(&key, false).await {
        Ok(c) => c,
        Err(r) => return m.refused(r),
    };
    let book = match m.store.get(&key.to_string()) {
        Ok(b) => b.filter(|b| c.as_ref().is_none_or(|c| c.opened_at == b.opened_at)),
        Err(e) => return m.refused(refuse(StatusCode::INTERNAL_SERVER_ERROR, "store_error", e.to_string())),
    };
    let accepted = book
        .as_ref()
        .map_or(0, |b| b.accepted)
        .max(c.as_ref().map_or(0, |c| c.settled));
    Json(json!({
        "channel": key.to_string(),
        "open": c.is_some(),
        "closeRequested": c.as_ref().is_some_and(|c| c.close_requested_at != 0),
        "deposit": c.as_ref().map(|c| c.deposit),
        "accepted": accepted,
        "settled": c.as_ref().map_or(book.as_ref().map_or(0, |b| b.settled), |c| c.settled),
        "calls": book.as_ref().map_or(0, |b| b.calls),
        "lastCallDelivered": book.as_ref().is_none_or(|b| b.delivered),
        "required": accepted.saturating_add(m.terms.price),
        "pricePerCall": m.terms.price,
    }))
    .into_response()
}

pub async fn infer(State(m): State<Arc<Metered>>, Path(asset): Path<String>, req: Request) -> Response {
    let path = format!("/v1/assets/{asset}/infer");
    if let Err(r) = m.check_asset(&asset) {
        return m.refused(r);
    }
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is over the {MAX_BODY}-byte limit"),
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return m.refused(too_large());
    }
    let voucher = match headers.get(VOUCHER_HEADER) {
        None => None,
        Some(v) => match v.to_str().ok().map(Voucher::decode) {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                log(&path, "-", "deny voucher_malformed");
                return m.refused(refuse(StatusCode::BAD_REQUEST, "voucher_malformed", e.to_string()));
            }
            None => {
                return m.refused(refuse(
                    StatusCode::BAD_REQUEST,
                    "voucher_malformed",
                    "X-Tessera-Voucher is not visible ASCII text",
                ))
            }
        },
    };
    let Some(v) = voucher else {
        return free_call(&m, &path, &headers, body).await;
    };

    // Anyone may name any channel (channels are public) in a voucher signed by its own key: only
    // a voucher of the channel's signer takes the channel's turn, so that strangers cannot keep
    // a payer's channel busy.
    let who = format!("channel={} cumulative={}", v.channel, v.cumulative);
    if let Err(r) = m.check_signer(&v).await {
        log(&path, &who, &format!("deny {}", r.reason));
        return m.refused(r);
    }
    // One call at a time per channel.
    if !m.busy.lock().expect("busy").insert(v.channel) {
        let mut r = refuse(
            StatusCode::CONFLICT,
            "channel_busy",
            "a call on this channel is in progress; retry when it is answered",
        );
        r.retry_after = Some(1);
        return m.refused(r);
    }
    let busy = Busy(m.busy.clone(), v.channel);
    let (channel, redeliver) = match m.check_terms(&v).await {
        Ok(Checked::Pay(c)) => (c, false),
        Ok(Checked::Redeliver(c)) => (c, true),
        Ok(Checked::Retry(a)) => {
            log(&path, &who, "retry answered again (not charged)");
            let mut r = (a.status, delivering(m.store.clone(), &a.voucher, a.body)).into_response();
            let h = r.headers_mut();
            if let Some(ct) = a.content_type {
                h.insert(header::CONTENT_TYPE, ct);
            }
            h.insert(ACCEPTED_HEADER, HeaderValue::from(a.voucher.cumulative));
            h.insert(REMAINING_HEADER, HeaderValue::from(a.remaining));
            h.insert(RETRY_HEADER, HeaderValue::from_static("true"));
            return r;
        }
        Err(r) => {
            log(&path, &who, &format!("deny {}", r.reason));
            return m.refused(r);
        }
    };
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return m.refused(too_large()),
    };
    let (status, ct, bytes) = match m.forward(&headers, body).await {
        Ok(a) => a,
        Err(r) => {
            log(&path, &who, &format!("{} (not charged)", r.reason));
            return m.refused(r);
        }
    };
    if !status.is_success() {
        // The upstream failed: its answer goes back, the call is not charged.
        log(&path, &who, &format!("upstream {status} (not charged)"));
        let mut r = answer(status, ct, bytes);
        r.headers_mut().insert(
            ACCEPTED_HEADER,
            HeaderValue::from(
                m.store
                    .get(&v.channel.to_string())
                    .ok()
                    .flatten()
                    .map_or(0, |b| b.accepted),
            ),
        );
        return r;
    }
    // Durable before the answer leaves (a redelivery was paid already). Off the async workers:
    // the store commits concurrent channels' vouchers together, which needs them all waiting.
    // The write holds the channel busy until it is done, even if this request is dropped
    // meanwhile (its client gone): the next call on the channel then reads the written book.
    let (accepted, _busy) = if redeliver {
        (Ok(true), Some(busy))
    } else {
        let (store, opened_at, payer) = (m.store.clone(), channel.opened_at, channel.payer.to_string());
        match tokio::task::spawn_blocking(move || (store.accept(opened_at, &payer, &v, now()), busy)).await {
            Ok((accepted, busy)) => (accepted, Some(busy)),
            Err(e) => (Err(TesseraError::Invalid(format!("voucher store: {e}"))), None),
        }
    };
    match accepted {
        Ok(true) => {}
        Ok(false) => {
            return m.refused(unpaid(
                "voucher_stale",
                "a higher voucher of this channel was accepted meanwhile",
            ))
        }
        Err(e) => {
            log(&path, &who, "store_error");
            return m.refused(refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store_error",
                format!("{e}; not charged"),
            ));
        }
    }
    let remaining = channel.deposit.saturating_sub(v.cumulative);
    keep_answer(
        &mut m.answers.lock().expect("answers"),
        v.channel,
        m.terms.retry_window,
        Answer {
            voucher: v,
            at: now(),
            status,
            content_type: ct.clone(),
            body: bytes.clone(),
            remaining,
        },
    );
    log(
        &path,
        &who,
        &if redeliver {
            format!("redelivered (paid before, its answer never sent; not charged), upstream {status}")
        } else {
            format!("paid, upstream {status}")
        },
    );
    let mut r = (status, delivering(m.store.clone(), &v, bytes)).into_response();
    let h = r.headers_mut();
    if let Some(ct) = ct {
        h.insert(header::CONTENT_TYPE, ct);
    }
    h.insert(ACCEPTED_HEADER, HeaderValue::from(v.cumulative));
    h.insert(REMAINING_HEADER, HeaderValue::from(remaining));
    if redeliver {
        h.insert(RETRY_HEADER, HeaderValue::from_static("true"));
    }
    r
}

async fn free_call(m: &Metered, path: &str, headers: &HeaderMap, body: axum::body::Body) -> Response {
    let holder = match m.free_call_holder(headers) {
        Ok(Some(h)) => h,
        Ok(None) => {
            log(path, "-", "deny payment_required");
            return m.refused(unpaid(
                "payment_required",
                format!(
                    "pay each call with a voucher in X-Tessera-Voucher ({} base units per call){}",
                    m.terms.price,
                    if m.terms.free_calls > 0 {
                        format!(
                            "; or, as the payer of an open channel to this gate (deposit at least {}), use one of your wallet's {} free calls with a proof of your wallet",
                            m.terms.min_deposit, m.terms.free_calls
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Err(r) => return m.refused(r),
    };
    let who = format!("payer={holder}");
    let key = holder.to_string();
    let used_up = || {
        log(path, &who, "deny free_calls_used");
        m.refused(unpaid(
            "free_calls_used",
            format!(
                "this payer used its {} free calls: pay with a voucher",
                m.terms.free_calls
            ),
        ))
    };
    // Used up: refused before any chain read.
    match m.store.free_calls_used(&key) {
        Ok(used) if used >= m.terms.free_calls => return used_up(),
        Ok(_) => {}
        Err(e) => return m.refused(refuse(StatusCode::INTERNAL_SERVER_ERROR, "store_error", e.to_string())),
    }
    match m.earns_free_calls(&holder).await {
        Ok(true) => {}
        Ok(false) => {
            log(path, &who, "deny free_calls_need_channel");
            return m.refused(unpaid(
                "free_calls_need_channel",
                format!(
                    "free calls are for the payer of a channel to {} for this model with at least {} base units deposited and no close requested: open one (tessera channel open), then call again with the same wallet's proof",
                    m.payee, m.terms.min_deposit
                ),
            ));
        }
        Err(r) => return m.refused(r),
    }
    let used = match m.store.use_free_call(&key, m.terms.free_calls) {
        Ok(Some(used)) => used,
        Ok(None) => return used_up(),
        Err(e) => return m.refused(refuse(StatusCode::INTERNAL_SERVER_ERROR, "store_error", e.to_string())),
    };
    let give_back = || {
        if let Err(e) = m.store.give_back_free_call(&key) {
            eprintln!("{} voucher store: could not give back a free call of {key}: {e}", now());
        }
    };
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            give_back();
            return m.refused(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is over the {MAX_BODY}-byte limit"),
            ));
        }
    };
    match m.forward(headers, body).await {
        Ok((status, ct, bytes)) => {
            if !status.is_success() {
                give_back();
            }
            log(path, &who, &format!("free call {used}, upstream {status}"));
            let mut r = answer(status, ct, bytes);
            let left = m.terms.free_calls.saturating_sub(if status.is_success() {
                used
            } else {
                used.saturating_sub(1)
            });
            r.headers_mut().insert(FREE_CALLS_LEFT_HEADER, HeaderValue::from(left));
            r
        }
        Err(r) => {
            give_back();
            m.refused(r)
        }
    }
}

/// The routes of a metered gate.
pub fn router(m: Arc<Metered>) -> Router {
    Router::new()
        .route("/v1/assets/{asset}/payment", get(payment))
        .route("/v1/assets/{asset}/challenge", get(challenge))
        .route("/v1/assets/{asset}/channels/{channel}", get(channel_status))
        .route("/v1/assets/{asset}/infer", post(infer))
        .fallback(super::gate::not_found)
        .with_state(m)
}

/// Whether a channel's voucher is due for settlement now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The unsettled amount reached the threshold.
    Threshold,
    /// The periodic settlement.
    Interval,
    /// A close was requested: settle before the grace ends.
    Closing,
    /// The voucher expires soon.
    Expiring,
}

/// The settlement rule: when `unsettled` (> 0) on a channel is due.
pub fn due(unsettled: u64, since: i64, channel: &Channel, expiry: i64, terms: &Terms, now: i64) -> Option<Due> {
    if unsettled == 0 {
        return None;
    }
    if expiry != 0 && now > expiry {
        // The chain refuses it now (`VoucherExpired`): sending it again only fails again.
        return None;
    }
    if channel.close_requested_at != 0 {
        return Some(Due::Closing);
    }
    if expiry != 0 && expiry <= now.saturating_add(EXPIRY_MARGIN_SECS / 2) {
        return Some(Due::Expiring);
    }
    if unsettled >= terms.settle_threshold {
        return Some(Due::Threshold);
    }
    if now.saturating_sub(since) >= terms.settle_interval {
        return Some(Due::Interval);
    }
    None
}

/// The settlement thread: see the module. `chain` signs and pays the fees.
fn spawn_settler(chain: Tessera, store: Arc<VoucherStore>, terms: Terms, seen: Arc<Mutex<HashMap<Pubkey, Seen>>>) {
    std::thread::spawn(move || {
        let mut last_read = Instant::now() - terms.channel_refresh;
        loop {
            std::thread::sleep(SETTLE_TICK);
            if let Err(e) = settle_round(&chain, &store, &terms, &seen, &mut last_read) {
                eprintln!("{} settle: {e}", now());
            }
        }
    });
}

fn settle_round(
    chain: &Tessera,
    store: &VoucherStore,
    terms: &Terms,
    seen: &Mutex<HashMap<Pubkey, Seen>>,
    last_read: &mut Instant,
) -> Result<()> {
    let books = store.unsettled()?;
    if books.is_empty() {
        return Ok(());
    }
    // The books alone may say a settlement is due (threshold, interval); the chain is read
    // every `channel_refresh` anyway (a close request, a settlement by someone else).
    let t = now();
    let by_books = books
        .iter()
        .any(|b| b.unsettled() >= terms.settle_threshold || t.saturating_sub(b.settled_at) >= terms.settle_interval);
    if !by_books && last_read.elapsed() < terms.channel_refresh {
        return Ok(());
    }
    *last_read = Instant::now();
    let keys: Vec<Pubkey> = books.iter().filter_map(|b| Pubkey::from_str(&b.channel).ok()).collect();
    let channels = chain.channels(&keys)?;
    let mut due_vouchers = vec![];
    {
        let mut seen = seen.lock().expect("seen");
        for (key, c) in keys.iter().zip(&channels) {
            remember(
                &mut seen,
                *key,
                Seen {
                    channel: c.clone(),
                    at: Instant::now(),
                },
                terms.channel_refresh,
            );
        }
    }
    for ((key, book), c) in keys.iter().zip(&books).zip(channels) {
        let name = key.to_string();
        let Some(c) = c.filter(|c| c.opened_at == book.opened_at) else {
            eprintln!(
                "{t} settle: channel {name} is closed with {} base units delivered and not settled",
                book.unsettled()
            );
            store.closed(&name, book.opened_at)?;
            continue;
        };
        if c.settled >= book.accepted {
            // Settled already (by this gate before a restart, or by anyone): never again.
            store.settled(&name, book.opened_at, c.settled, t)?;
            continue;
        }
        // A requested close is settled at once; whether its grace is over is the chain's call
        // (its clock, not this machine's): a refusal `CloseGraceOver` ends the channel's books.
        let Some(v) = settleable(book, t).filter(|v| v.cumulative > c.settled).cloned() else {
            if book.voucher.is_some() {
                // The highest voucher expired unsettled and no voucher without expiry is above
                // the settled amount: what it alone paid for is lost. The clock restarts, so the
                // chain is not read for it every round.
                eprintln!(
                    "{t} settle: channel {name}: {} base units delivered cannot be settled (the voucher expired)",
                    book.unsettled()
                );
                store.settled(&name, book.opened_at, c.settled, t)?;
            }
            continue;
        };
        let unsettled = v.cumulative.saturating_sub(c.settled);
        if let Some(why) = due(unsettled, book.settled_at, &c, v.expiry, terms, t) {
            eprintln!("{t} settle: channel {name}: {unsettled} base units due ({why:?})");
            due_vouchers.push(v);
        }
    }
    if due_vouchers.is_empty() {
        return Ok(());
    }
    // The opening each due voucher's books belong to (see `VoucherStore::settled`).
    let opened: HashMap<Pubkey, i64> = keys.iter().zip(&books).map(|(k, b)| (*k, b.opened_at)).collect();
    let opened_at = |v: &Voucher| opened.get(&v.channel).copied().unwrap_or_default();
    let record = |settled: &[tessera_client::channel::Settled]| -> Result<()> {
        for s in settled {
            for v in &s.vouchers {
                store.settled(&v.channel.to_string(), opened_at(v), v.cumulative, now())?;
                eprintln!(
                    "{} settle: channel {} settled up to {} ({})",
                    now(),
                    v.channel,
                    v.cumulative,
                    s.signature
                );
            }
        }
        Ok(())
    };
    match chain.settle_vouchers(&due_vouchers) {
        Ok(settled) => record(&settled),
        Err(e) if due_vouchers.len() > 1 => {
            // One channel's failure must not hold the others: each alone.
            eprintln!("{} settle: a batch failed ({e}); settling one by one", now());
            for v in &due_vouchers {
                match chain.settle_vouchers(std::slice::from_ref(v)) {
                    Ok(s) => record(&s)?,
                    Err(e) => refused_for_good(store, v, opened_at(v), &e)?,
                }
            }
            Ok(())
        }
        Err(e) => refused_for_good(store, &due_vouchers[0], opened_at(&due_vouchers[0]), &e),
    }
}

/// A settlement the chain refused: logged; when the close grace is over, nothing of this channel
/// can be settled any more and its books close.
fn refused_for_good(store: &VoucherStore, v: &Voucher, opened_at: i64, e: &TesseraError) -> Result<()> {
    use tessera_client::{channels::errors::ChannelsError, ProgramError};
    eprintln!("{} settle: channel {}: {e}", now(), v.channel);
    if matches!(
        e,
        TesseraError::Program(ProgramError::Channels(ChannelsError::CloseGraceOver))
    ) {
        eprintln!(
            "{} settle: channel {}: the close grace ended before its voucher was settled",
            now(),
            v.channel
        );
        store.closed(&v.channel.to_string(), opened_at)?;
    }
    Ok(())
}

/// Starts the metered gate: checks that the wallet is a provider serving the model, opens the
/// store, starts the settlement thread and returns the router.
#[allow(clippy::too_many_arguments)]
pub fn start(
    wallet: Keypair,
    url: &str,
    commitment: solana_commitment_config::CommitmentConfig,
    domain: String,
    asset: Pubkey,
    account: &Asset,
    terms: Terms,
    upstream: String,
    client: reqwest::Client,
    data_dir: &std::path::Path,
) -> Result<Router> {
    let payee = solana_signer::Signer::pubkey(&wallet);
    let settler = Tessera::new(url, wallet, commitment);
    let provider = settler.provider(&payee).map_err(|_| {
        TesseraError::Invalid(format!(
            "a metered gate is run by a provider of the model: the wallet {payee} is not a registered provider (tessera provider register)"
        ))
    })?;
    if !provider.serves(&asset) {
        return Err(TesseraError::Invalid(format!(
            "the wallet's provider does not serve model {asset}: add it to the provider's models"
        )));
    }
    let (decimals, _) = settler.mint_info(&account.payment_mint)?;
    let store = Arc::new(VoucherStore::open(&data_dir.join("vouchers.sqlite3"))?);
    let reader = Tessera::new(url, Keypair::new(), commitment);
    let m = Metered::new(
        domain,
        asset,
        payee,
        account.payment_mint,
        decimals,
        terms.clone(),
        reader,
        upstream,
        client,
        store.clone(),
    );
    spawn_settler(settler, store, terms, m.seen.clone());
    Ok(router(Arc::new(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        Terms {
            price: 10,
            min_deposit: 100,
            free_calls: 0,
            settle_threshold: 1_000,
            settle_interval: 60,
            channel_refresh: Duration::from_secs(5),
            retry_window: 60,
            nonce_ttl: 60,
            min_close_grace: 60,
            max_royalty_bps: 2_000,
        }
    }

    fn channel(close_requested_at: i64) -> Channel {
        let key = |b| Pubkey::new_from_array([b; 32]);
        Channel {
            payer: key(1),
            payee: key(2),
            provider: key(3),
            authorized_signer: key(4),
            model: key(5),
            model_split: key(6),
            mint: key(7),
            vault: key(8),
            channel_id: 9,
            deposit: 10_000,
            settled: 0,
            fee_bps: 0,
            royalty_bps: 0,
            close_grace: 60,
            close_requested_at,
            opened_at: 0,
            bump: 255,
            vault_bump: 254,
        }
    }

    #[test]
    fn settlement_is_due_by_threshold_interval_close_or_expiry() {
        let t = terms();
        let open = channel(0);
        assert_eq!(due(0, 0, &channel(5), 0, &t, 1_000), None, "nothing to settle");
        assert_eq!(due(10, 990, &open, 0, &t, 1_000), None);
        assert_eq!(due(1_000, 990, &open, 0, &t, 1_000), Some(Due::Threshold));
        assert_eq!(due(10, 940, &open, 0, &t, 1_000), Some(Due::Interval));
        assert_eq!(due(10, 990, &channel(999), 0, &t, 1_000), Some(Due::Closing));
        assert_eq!(due(10, 990, &open, 1_030, &t, 1_000), Some(Due::Expiring));
        assert_eq!(due(10, 990, &open, 5_000, &t, 1_000), None);
    }

    #[test]
    fn an_expired_voucher_is_not_sent_again() {
        // Audit: once its expiry is past the chain refuses it (VoucherExpired); it was due (and
        // failed) every round before.
        let t = terms();
        assert_eq!(due(10, 0, &channel(0), 999, &t, 1_000), None);
        assert_eq!(due(10, 0, &channel(999), 999, &t, 1_000), None);
        assert_eq!(due(10, 0, &channel(0), 1_000, &t, 1_000), Some(Due::Expiring));
    }

    /// A gate whose chain is unreachable: only cached channel states are read.
    fn offline_gate(name: &str, terms: Terms) -> Metered {
        offline_gate_at(name, terms, "http://127.0.0.1:9")
    }

    /// A gate reading the chain at `rpc`; its upstream is unreachable.
    fn offline_gate_at(name: &str, terms: Terms, rpc: &str) -> Metered {
        let dir = std::env::temp_dir().join(format!("tessera-metered-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        gate_on(&dir, terms, rpc, "http://127.0.0.1:9")
    }

    /// A gate whose store is in `dir` (kept: a restart is another gate on the same `dir`).
    fn gate_on(dir: &std::path::Path, terms: Terms, rpc: &str, upstream: &str) -> Metered {
        let store = Arc::new(VoucherStore::open(&dir.join("vouchers.sqlite3")).unwrap());
        let chain = Tessera::new(
            rpc,
            Keypair::new(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        );
        let key = |b| Pubkey::new_from_array([b; 32]);
        Metered::new(
            "gate.test".into(),
            key(5),
            key(2),
            key(7),
            6,
            terms,
            chain,
            upstream.into(),
            reqwest::Client::new(),
            store,
        )
    }

    /// An upstream answering every request `200 ANSWER`; counts the requests.
    fn counting_upstream() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6\r\nconnection: close\r\n\r\nANSWER",
                );
            }
        });
        (url, hits)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_paid_call_whose_answer_was_lost_in_a_restart_is_answered_once_more_not_charged() {
        // Audit D3: the gate stored the voucher, then crashed before answering; after the
        // restart the payer's retry with the same voucher was refused as replayed.
        let dir = std::env::temp_dir().join(format!("tessera-metered-d3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (up, hits) = counting_upstream();
        let signer = Keypair::new();
        let key = Pubkey::new_unique();
        let mut c = channel(0);
        c.authorized_signer = solana_signer::Signer::pubkey(&signer);
        let v = Voucher::sign(&signer, &key, 30, 0);
        // The store as the crash left it: the voucher accepted, its answer not sent.
        {
            let store = VoucherStore::open(&dir.join("vouchers.sqlite3")).unwrap();
            assert!(store
                .accept(0, "payer", &Voucher::sign(&signer, &key, 20, 0), 1)
                .unwrap());
            store.delivered(&key.to_string(), 20).unwrap();
            assert!(store.accept(0, "payer", &v, 2).unwrap());
        }
        let restarted = |dir: &std::path::Path| {
            let m = Arc::new(gate_on(dir, terms(), "http://127.0.0.1:9", &up));
            m.seen.lock().unwrap().insert(
                key,
                Seen {
                    channel: Some(c.clone()),
                    at: Instant::now(),
                },
            );
            m
        };
        let call = |m: Arc<Metered>, v: Voucher| {
            let req = Request::builder()
                .method("POST")
                .uri("/")
                .header(VOUCHER_HEADER, v.encode())
                .body(axum::body::Body::from("x"))
                .unwrap();
            let asset = m.asset.to_string();
            async move {
                let r = infer(State(m), Path(asset), req).await;
                let (status, headers) = (r.status(), r.headers().clone());
                let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
                (status, headers, body)
            }
        };
        let m = restarted(&dir);
        let book = |m: &Metered| m.store.get(&key.to_string()).unwrap().unwrap();
        assert!(!book(&m).delivered);
        let (status, headers, body) = call(m.clone(), v).await;
        assert_eq!((status, body.as_ref()), (StatusCode::OK, b"ANSWER".as_ref()));
        assert_eq!(headers[RETRY_HEADER], "true");
        assert_eq!(headers[ACCEPTED_HEADER], "30");
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1, "forwarded again");
        let b = book(&m);
        assert_eq!((b.accepted, b.calls), (30, 2), "not charged again");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !book(&m).delivered {
            assert!(Instant::now() < deadline, "the answer was not marked sent");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Within the retry window: the same answer from memory, not forwarded.
        let (status, _, body) = call(m.clone(), v).await;
        assert_eq!((status, body.as_ref()), (StatusCode::OK, b"ANSWER".as_ref()));
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Delivered, then another restart: a replay.
        drop(m);
        let m = restarted(&dir);
        let (status, _, body) = call(m.clone(), v).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["reason"], "voucher_replayed");
        // An older voucher is stale, as before.
        let (status, _, body) = call(m.clone(), Voucher::sign(&signer, &key, 20, 0)).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap()["reason"],
            "voucher_stale"
        );
        // A paid call is recorded sent once its answer went out.
        let next = Voucher::sign(&signer, &key, 40, 0);
        let (status, headers, _) = call(m.clone(), next).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get(RETRY_HEADER).is_none());
        assert_eq!(book(&m).accepted, 40);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !book(&m).delivered {
            assert!(Instant::now() < deadline, "the answer was not marked sent");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[test]
    fn the_voucher_settled_is_the_highest_unless_expired_then_the_best_without_expiry() {
        // Audit D2.
        let signer = Keypair::new();
        let key = Pubkey::new_unique();
        let v = |c, e| Voucher::sign(&signer, &key, c, e);
        let mut book = ChannelBook {
            channel: key.to_string(),
            opened_at: 0,
            payer: "p".into(),
            accepted: 30,
            voucher: Some(v(30, 1_000)),
            fallback: Some(v(20, 0)),
            delivered: true,
            calls: 3,
            settled: 0,
            settled_at: 0,
            closed: false,
        };
        assert_eq!(settleable(&book, 999), Some(&v(30, 1_000)));
        assert_eq!(settleable(&book, 1_000), Some(&v(30, 1_000)));
        assert_eq!(settleable(&book, 1_001), Some(&v(20, 0)), "expired: the fallback");
        book.fallback = None;
        assert_eq!(settleable(&book, 1_001), None);
        book.voucher = Some(v(30, 0));
        assert_eq!(settleable(&book, i64::MAX), Some(&v(30, 0)));
    }

    #[test]
    fn free_calls_are_earned_only_by_an_open_channel_to_this_gate() {
        // Audit D1: free calls were farmed with fresh keypairs.
        let c = channel(0);
        let (payer, payee, model, mint) = (c.payer, c.payee, c.model, c.mint);
        let earns = |c: &Channel| earns_free_calls(c, &payer, &payee, &model, &mint, 10_000);
        assert!(earns(&c));
        let other = Pubkey::new_unique();
        for (what, changed) in [
            (
                "another payer",
                Channel {
                    payer: other,
                    ..c.clone()
                },
            ),
            (
                "another payee",
                Channel {
                    payee: other,
                    ..c.clone()
                },
            ),
            (
                "another model",
                Channel {
                    model: other,
                    ..c.clone()
                },
            ),
            (
                "another mint",
                Channel {
                    mint: other,
                    ..c.clone()
                },
            ),
            ("closing", channel(5)),
            (
                "a small deposit",
                Channel {
                    deposit: 9_999,
                    ..c.clone()
                },
            ),
        ] {
            assert!(!earns(&changed), "{what}");
        }
    }

    #[tokio::test]
    async fn a_channel_whose_close_grace_is_too_short_for_the_gate_is_refused() {
        // Audit: the payer may request the close and finalize as soon as the grace ends; with a
        // grace shorter than the gate needs to see the request and settle, every call since
        // the last settlement goes unpaid.
        let mut t = terms();
        t.min_close_grace = 300;
        let m = offline_gate("grace", t);
        let signer = Keypair::new();
        let key = Pubkey::new_unique();
        let mut c = channel(0);
        c.authorized_signer = solana_signer::Signer::pubkey(&signer);
        for (grace, ok) in [(60, false), (299, false), (300, true), (86_400, true)] {
            c.close_grace = grace;
            m.seen.lock().unwrap().insert(
                key,
                Seen {
                    channel: Some(c.clone()),
                    at: Instant::now(),
                },
            );
            let v = Voucher::sign(&signer, &key, 10, 0);
            match m.check_voucher(&v).await {
                Ok(Checked::Pay(_)) => assert!(ok, "grace {grace} accepted"),
                Ok(Checked::Retry(_) | Checked::Redeliver(_)) => panic!("not a retry"),
                Err(r) => {
                    assert!(!ok, "grace {grace} refused: {}", r.reason);
                    assert_eq!(
                        (r.status, r.reason),
                        (StatusCode::PAYMENT_REQUIRED, "close_grace_too_short")
                    );
                }
            }
        }
        assert_eq!(m.payment["minCloseGraceSecs"], 300);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_strangers_voucher_does_not_keep_a_channel_busy() {
        // Audit: channels are public and a voucher may be signed by any key. A stranger's
        // voucher naming a payer's channel, above its deposit (a fresh chain read), took the
        // channel's turn for as long as the read lasted: the payer's own calls got 409.
        let rpc = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", rpc.local_addr().unwrap());
        std::thread::spawn(move || {
            for conn in rpc.incoming().flatten() {
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(1_500));
                    drop(conn);
                });
            }
        });
        let m = Arc::new(offline_gate_at("busy", terms(), &url));
        let signer = Keypair::new();
        let key = Pubkey::new_unique();
        let mut c = channel(0);
        c.authorized_signer = solana_signer::Signer::pubkey(&signer);
        m.seen.lock().unwrap().insert(
            key,
            Seen {
                channel: Some(c),
                at: Instant::now(),
            },
        );
        let req = |v: &Voucher| {
            Request::builder()
                .method("POST")
                .uri("/")
                .header(VOUCHER_HEADER, v.encode())
                .body(axum::body::Body::from("x"))
                .unwrap()
        };
        let asset = m.asset.to_string();
        let stranger = Voucher::sign(&Keypair::new(), &key, 20_000, 0);
        let attack = tokio::spawn(infer(State(m.clone()), Path(asset.clone()), req(&stranger)));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let own = Voucher::sign(&signer, &key, 10, 0);
        let r = infer(State(m.clone()), Path(asset), req(&own)).await;
        // Forwarded (the upstream is unreachable: 502, not charged), not `channel_busy`.
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(attack.await.unwrap().status(), StatusCode::PAYMENT_REQUIRED);
    }

    #[tokio::test]
    async fn the_channel_route_answers_from_the_cache() {
        // Audit: `GET …/channels/{channel}` needs no proof and read the chain on every request,
        // an amplifier against the RPC the settler depends on.
        let m = Arc::new(offline_gate("status", terms()));
        let key = Pubkey::new_unique();
        m.seen.lock().unwrap().insert(
            key,
            Seen {
                channel: Some(channel(0)),
                at: Instant::now(),
            },
        );
        let r = channel_status(State(m.clone()), Path((m.asset.to_string(), key.to_string()))).await;
        assert_eq!(r.status(), StatusCode::OK, "the unreachable chain was not read");
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (v["deposit"].as_u64(), v["required"].as_u64()),
            (Some(10_000), Some(10))
        );
    }

    #[tokio::test]
    async fn a_channel_that_snapshotted_a_higher_royalty_is_refused() {
        // Audit: the royalty is fixed when the payer opens the channel; a publisher who raises it
        // for the moment of its own opening buys calls at the payee's expense.
        let m = offline_gate("royalty", terms());
        let signer = Keypair::new();
        let key = Pubkey::new_unique();
        let mut c = channel(0);
        c.authorized_signer = solana_signer::Signer::pubkey(&signer);
        for (royalty, ok) in [(5_000, false), (2_001, false), (2_000, true), (0, true)] {
            c.royalty_bps = royalty;
            m.seen.lock().unwrap().insert(
                key,
                Seen {
                    channel: Some(c.clone()),
                    at: Instant::now(),
                },
            );
            let v = Voucher::sign(&signer, &key, 10, 0);
            match m.check_voucher(&v).await {
                Ok(Checked::Pay(_)) => assert!(ok, "royalty {royalty} accepted"),
                Ok(Checked::Retry(_) | Checked::Redeliver(_)) => panic!("not a retry"),
                Err(r) => {
                    assert!(!ok, "royalty {royalty} refused: {}", r.reason);
                    assert_eq!(r.reason, "channel_royalty_too_high");
                }
            }
        }
    }

    #[test]
    fn the_channel_cache_stays_bounded_whatever_addresses_vouchers_name() {
        // Audit: a voucher may name any address (signed by any key); each one read was kept
        // forever.
        let mut seen = HashMap::new();
        let state = |at| Seen { channel: None, at };
        let refresh = Duration::from_secs(60);
        for _ in 0..MAX_SEEN + 50 {
            remember(&mut seen, Pubkey::new_unique(), state(Instant::now()), refresh);
        }
        assert_eq!(seen.len(), MAX_SEEN);
        // Stale entries make room.
        let stale = Instant::now() - Duration::from_secs(120);
        seen.values_mut().take(10).for_each(|s| s.at = stale);
        let k = Pubkey::new_unique();
        remember(&mut seen, k, state(Instant::now()), refresh);
        assert!(seen.contains_key(&k));
        assert_eq!(seen.len(), MAX_SEEN - 9);
        // A cached channel is always refreshed in place.
        remember(&mut seen, k, state(stale), refresh);
        assert_eq!(seen[&k].at, stale);
    }

    #[test]
    fn answers_and_nonces_stay_bounded() {
        let a = |at| Answer {
            voucher: Voucher::sign(&Keypair::new(), &Pubkey::new_unique(), 1, 0),
            at,
            status: StatusCode::OK,
            content_type: None,
            body: Bytes::from_static(b"x"),
            remaining: 0,
        };
        let mut answers = HashMap::new();
        let sample = a(1_000);
        for i in 0..MAX_ANSWERS {
            let mut x = sample.clone();
            x.at = 1_000 + i64::try_from(i % 100).unwrap();
            answers.insert(Pubkey::new_unique(), x);
        }
        // All within the window: the oldest goes.
        keep_answer(&mut answers, Pubkey::new_unique(), 300, a(1_100));
        assert_eq!(answers.len(), MAX_ANSWERS);
        // Past the window: the expired ones go.
        keep_answer(&mut answers, Pubkey::new_unique(), 300, a(1_399));
        assert!(answers.len() < MAX_ANSWERS / 2, "{}", answers.len());

        let mut nonces = HashMap::new();
        for i in 0..MAX_NONCES {
            assert!(keep_nonce(&mut nonces, format!("n{i}"), 2_000, 1_000));
        }
        assert!(
            !keep_nonce(&mut nonces, "full".into(), 2_000, 1_000),
            "all unexpired: refused"
        );
        assert_eq!(nonces.len(), MAX_NONCES);
        assert!(
            keep_nonce(&mut nonces, "later".into(), 3_000, 2_001),
            "expired ones make room"
        );
        assert_eq!(nonces.len(), 1);
    }

    #[test]
    fn a_402_carries_the_payment_requirements_and_the_reason() {
        let t = terms();
        let (asset, payee, mint) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let p = requirements(&asset, &payee, &mint, 6, &t, "gate.test");
        for k in [
            "asset",
            "channelsProgram",
            "payee",
            "mint",
            "pricePerCall",
            "minDeposit",
            "voucher",
            "freeCalls",
        ] {
            assert!(!p[k].is_null(), "{k}");
        }
        assert_eq!(p["channelsProgram"], CHANNELS_ID.to_string());
        assert_eq!(p["pricePerCall"], 10);
        assert_eq!(p["pricePerCallUi"], "0.00001");
        assert_eq!(p["voucher"]["header"], "X-Tessera-Voucher");
        let r = unpaid("voucher_stale", "old").with("accepted", 30).into_response(&p);
        assert_eq!(r.status(), StatusCode::PAYMENT_REQUIRED);
        let r = refuse(StatusCode::CONFLICT, "channel_busy", "busy").into_response(&p);
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
}
