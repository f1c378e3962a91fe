//! The gate's live view: what the access rule reads (each watched asset's account, its passes,
//! the balances of its access mint, the chain clock), kept in memory and current by the
//! validator's websocket subscriptions, so that a delivery makes no RPC call.
//!
//! - One websocket connection watches any number of assets ([`LiveView::watch`]). Per asset:
//!   `accountSubscribe` on the asset; `programSubscribe` on the registry (the `AccessPass`
//!   discriminator and a memcmp on its `asset` field); `programSubscribe` on SPL Token and on
//!   Token-2022 (memcmp on the mint at offset 0), kept as owner → summed balance, and an
//!   `accountSubscribe` on each token account seen (a closed account leaves its program, so
//!   only its own subscription reports the close). Plus `accountSubscribe` on the Clock sysvar.
//! - Each connection subscribes first, then snapshots (`getProgramAccounts` with the same
//!   filters, `getAccountInfo`), and applies both by slot: every account keeps the context slot
//!   it was last written at and an older write never replaces a newer one, so nothing is lost
//!   in between.
//! - The view is fresh once its snapshots are applied and a Clock notification arrived, and as
//!   long as the clock keeps ticking: the Clock changes every slot, so [`SILENCE`] without a
//!   notification means a dead connection. A stale view answers `None` ([`LiveView::access`]),
//!   and the gate checks over RPC instead. A closed stream, an error or the silence ends the
//!   connection: the view is stale until it has reconnected (with backoff), re-subscribed and
//!   re-snapshotted. Each transition is logged to stderr.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard},
    time::{Duration, Instant},
};

use anchor_lang::{AccountDeserialize, Discriminator};
use anchor_spl::token_interface::TokenAccount;
use futures_util::{
    stream::{BoxStream, SelectAll},
    StreamExt,
};
use solana_account_decoder_client_types::UiAccount;
use solana_client::{
    nonblocking::{pubsub_client::PubsubClient, rpc_client::RpcClient},
    rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, UiAccountEncoding},
    rpc_filter::{Memcmp, RpcFilterType},
    rpc_request::RpcRequest,
    rpc_response::{Response, RpcKeyedAccount},
};
use solana_commitment_config::CommitmentConfig;
use tessera_client::{
    registry::state::{access_denied, AccessPass, Asset},
    rpc::AccessReport,
    Pubkey, Result, TesseraError, REGISTRY_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tokio::sync::mpsc;

/// A connection whose clock has been silent this long is dead (the Clock changes every slot,
/// about every 400 ms): the view is stale and the connection is replaced.
pub const SILENCE: Duration = Duration::from_secs(3);
/// Longest wait for the websocket's connection, a subscription or a snapshot.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// Backoff between reconnections: doubling from the first to the last.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(5));
/// Byte offset of `AccessPass::asset` (after the discriminator), for the memcmp filter.
const PASS_ASSET_OFFSET: usize = 8;
/// Byte offset of a token account's mint (SPL Token and Token-2022 alike).
const TOKEN_MINT_OFFSET: usize = 0;

/// The live view of the assets it watches. Cheap to clone (one shared view, one connection).
#[derive(Clone)]
pub struct LiveView {
    state: Arc<RwLock<State>>,
    watch: mpsc::UnboundedSender<Pubkey>,
}

/// A value and the slot of the bank it was read from.
struct Slotted<T> {
    slot: u64,
    value: T,
}

#[derive(Default)]
struct State {
    /// The current connection is up with all its subscriptions made.
    connected: bool,
    /// The last Clock notification of the current connection: its `unix_timestamp` and when
    /// it arrived.
    clock: Option<(i64, Instant)>,
    /// Whether "fresh" was logged for the current connection.
    announced: bool,
    assets: HashMap<Pubkey, AssetView>,
}

struct AssetView {
    access_mint: Pubkey,
    /// The snapshot of the current connection is applied.
    synced: bool,
    account: Option<Slotted<Asset>>,
    /// Passes by holder.
    passes: HashMap<Pubkey, Slotted<AccessPass>>,
    /// Token accounts of the access mint: (owner, amount), `None` once closed.
    tokens: HashMap<Pubkey, Slotted<Option<(Pubkey, u64)>>>,
    /// Owner → summed amount over `tokens`.
    balances: HashMap<Pubkey, u64>,
}

impl AssetView {
    fn new(access_mint: Pubkey) -> Self {
        Self {
            access_mint,
            synced: false,
            account: None,
            passes: HashMap::new(),
            tokens: HashMap::new(),
            balances: HashMap::new(),
        }
    }

    /// Forgets everything (a new connection re-reads it all).
    fn reset(&mut self) {
        *self = Self::new(self.access_mint);
    }

    fn set_asset(&mut self, key: &Pubkey, slot: u64, asset: Asset) {
        if self.account.as_ref().is_some_and(|a| a.slot > slot) {
            return;
        }
        if let Some(old) = &self.account {
            if old.value.state != asset.state {
                eprintln!("{} live view: asset {key} is now {:?}", unix_now(), asset.state);
            }
        }
        self.account = Some(Slotted { slot, value: asset });
    }

    fn set_pass(&mut self, slot: u64, pass: AccessPass) {
        if self.passes.get(&pass.holder).is_some_and(|p| p.slot > slot) {
            return;
        }
        self.passes.insert(pass.holder, Slotted { slot, value: pass });
    }

    /// Records a token account's state at `slot` (`None`: closed or no longer an account of
    /// this mint) and keeps `balances` summed. Returns whether the account is newly known.
    fn set_token(&mut self, key: Pubkey, slot: u64, value: Option<(Pubkey, u64)>) -> bool {
        let old = match self.tokens.get(&key) {
            Some(t) if t.slot > slot => return false,
            Some(t) => Some(t.value),
            None => None,
        };
        if let Some(Some((owner, amount))) = old {
            if let Some(b) = self.balances.get_mut(&owner) {
                *b = b.saturating_sub(amount);
                if *b == 0 {
                    self.balances.remove(&owner);
                }
            }
        }
        if let Some((owner, amount)) = value.filter(|(_, amount)| *amount > 0) {
            let b = self.balances.entry(owner).or_insert(0);
            *b = b.saturating_add(amount);
        }
        self.tokens.insert(key, Slotted { slot, value });
        old.is_none()
    }
}

/// One notification of the connection.
enum Event {
    Clock(Response<UiAccount>),
    Asset(Pubkey, Response<UiAccount>),
    Pass(Response<RpcKeyedAccount>),
    Token(Pubkey, Response<RpcKeyedAccount>),
    TokenAccount(Pubkey, Pubkey, Response<UiAccount>),
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn read(state: &RwLock<State>) -> RwLockReadGuard<'_, State> {
    state.read().unwrap_or_else(|e| e.into_inner())
}

fn write(state: &RwLock<State>) -> RwLockWriteGuard<'_, State> {
    state.write().unwrap_or_else(|e| e.into_inner())
}

fn clock_id() -> Pubkey {
    <anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id()
}

/// The `unix_timestamp` of the Clock sysvar's data (slot, epoch_start_timestamp, epoch,
/// leader_schedule_epoch, unix_timestamp: 8 bytes each).
fn clock_unix_timestamp(data: &[u8]) -> Option<i64> {
    data.get(32..40).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes)
}

/// A token account of `mint` as (owner, amount), if `account` is one (owned by a token
/// program, decoded, this mint); `None` otherwise (e.g. closed).
fn token_of(account: &UiAccount, mint: &Pubkey) -> Option<(Pubkey, u64)> {
    let programs = [TOKEN_PROGRAM_ID.to_string(), TOKEN_2022_PROGRAM_ID.to_string()];
    if account.lamports == 0 || !programs.contains(&account.owner) {
        return None;
    }
    let data = account.data.decode()?;
    let t = TokenAccount::try_deserialize(&mut data.as_slice()).ok()?;
    (t.mint == *mint).then_some((t.owner, t.amount))
}

fn decode<T: AccountDeserialize>(account: &UiAccount) -> Option<T> {
    if account.owner != REGISTRY_ID.to_string() {
        return None;
    }
    let data = account.data.decode()?;
    T::try_deserialize(&mut data.as_slice()).ok()
}

fn invalid(what: &str, e: impl std::fmt::Display) -> TesseraError {
    TesseraError::Rpc(format!("live view: {what}: {e}"))
}

impl LiveView {
    /// Starts the view's connection on its own thread (it answers stale until it has synced):
    /// snapshots over `rpc_url`, subscriptions over `ws_url`, both at `commitment`.
    pub fn start(rpc_url: &str, ws_url: &str, commitment: CommitmentConfig) -> Result<Self> {
        let state = Arc::new(RwLock::new(State::default()));
        let (watch, assets) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| invalid("runtime", e))?;
        let connection = Connection {
            state: state.clone(),
            rpc: RpcClient::new_with_timeout_and_commitment(rpc_url.to_string(), STEP_TIMEOUT, commitment),
            ws_url: ws_url.to_string(),
            commitment,
            assets,
        };
        std::thread::Builder::new()
            .name("tessera-live-view".into())
            .spawn(move || runtime.block_on(connection.run()))
            .map_err(|e| invalid("thread", e))?;
        Ok(Self { state, watch })
    }

    /// Watches `asset` (its account already read: `account`), from the next snapshot on.
    pub fn watch(&self, asset: Pubkey, account: &Asset) {
        write(&self.state)
            .assets
            .entry(asset)
            .or_insert_with(|| AssetView::new(account.access_mint));
        let _ = self.watch.send(asset);
    }

    /// The clock and the asset's view, if fresh.
    fn fresh<'a>(state: &'a State, asset: &Pubkey) -> Option<(i64, &'a AssetView)> {
        let (now, at) = state.clock?;
        let view = state.assets.get(asset)?;
        (state.connected && view.synced && at.elapsed() < SILENCE).then_some((now, view))
    }

    /// The registry's access rule for `holder` at `asset`, from the view: `None` when the view
    /// is stale (or does not watch `asset`): check over RPC instead.
    pub fn access(&self, asset: &Pubkey, holder: &Pubkey) -> Option<AccessReport> {
        let state = read(&self.state);
        let (now, view) = Self::fresh(&state, asset)?;
        let pass = view.passes.get(holder).map(|p| &p.value);
        let balance = view.balances.get(holder).copied().unwrap_or(0);
        let reason = access_denied(pass, balance, now);
        let (expires_at, perpetual) =
            pass.map_or((None, false), |p| ((!p.perpetual).then_some(p.expires_at), p.perpetual));
        Some(AccessReport {
            asset: asset.to_string(),
            holder: holder.to_string(),
            valid: reason.is_none(),
            reason,
            expires_at,
            perpetual,
            balance,
            now,
        })
    }

    /// `holder`'s pass of `asset` (`Some(None)`: it has none), or `None` when the view is
    /// stale: read it over RPC instead.
    pub fn pass(&self, asset: &Pubkey, holder: &Pubkey) -> Option<Option<AccessPass>> {
        let state = read(&self.state);
        let (_, view) = Self::fresh(&state, asset)?;
        Some(view.passes.get(holder).map(|p| p.value.clone()))
    }
}

/// The task behind a [`LiveView`]: connects, subscribes, snapshots, applies, reconnects.
struct Connection {
    state: Arc<RwLock<State>>,
    rpc: RpcClient,
    ws_url: String,
    commitment: CommitmentConfig,
    /// Assets newly watched.
    assets: mpsc::UnboundedReceiver<Pubkey>,
}

impl Connection {
    async fn run(mut self) {
        let mut backoff = BACKOFF.0;
        loop {
            let started = Instant::now();
            let reason = match self.session().await {
                Ok(None) => return,
                Ok(Some(reason)) => reason,
                Err(e) => e.to_string(),
            };
            let was_fresh = {
                let mut s = write(&self.state);
                let was_fresh = s.announced;
                s.connected = false;
                s.clock = None;
                s.announced = false;
                was_fresh
            };
            if started.elapsed() > BACKOFF.1.saturating_mul(2) {
                backoff = BACKOFF.0;
            }
            let now = unix_now();
            if was_fresh {
                eprintln!("{now} live view: stale ({reason}); deliveries are checked over RPC until it is fresh again");
            }
            eprintln!(
                "{now} live view: reconnecting to {} in {} ms ({reason})",
                self.ws_url,
                backoff.as_millis()
            );
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2).min(BACKOFF.1);
        }
    }

    fn account_config(&self) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.commitment),
            ..RpcAccountInfoConfig::default()
        }
    }

    fn program_config(&self, filters: Vec<RpcFilterType>, with_context: bool) -> RpcProgramAccountsConfig {
        RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: self.account_config(),
            with_context: with_context.then_some(true),
            sort_results: None,
        }
    }

    /// The three program subscriptions of an asset: (program, filters).
    fn program_filters(asset: &Pubkey, mint: &Pubkey) -> [(Pubkey, Vec<RpcFilterType>); 3] {
        let memcmp = |offset: usize, bytes: &[u8]| RpcFilterType::Memcmp(Memcmp::new_base58_encoded(offset, bytes));
        let token = vec![memcmp(TOKEN_MINT_OFFSET, mint.as_ref())];
        [
            (
                REGISTRY_ID,
                vec![
                    memcmp(0, AccessPass::DISCRIMINATOR),
                    memcmp(PASS_ASSET_OFFSET, asset.as_ref()),
                ],
            ),
            (TOKEN_PROGRAM_ID, token.clone()),
            (TOKEN_2022_PROGRAM_ID, token),
        ]
    }

    /// One connection, until it ends: returns why (`None`: every [`LiveView`] was dropped).
    async fn session(&mut self) -> Result<Option<String>> {
        let client = tokio::time::timeout(STEP_TIMEOUT, PubsubClient::new(self.ws_url.as_str()))
            .await
            .map_err(|_| invalid("websocket", "connection timed out"))?
            .map_err(|e| invalid("websocket", e))?;
        let mut streams: SelectAll<BoxStream<'_, Event>> = SelectAll::new();
        let (clock, _) = step(client.account_subscribe(&clock_id(), Some(self.account_config()))).await?;
        streams.push(clock.map(Event::Clock).boxed());
        let assets: Vec<Pubkey> = {
            let mut s = write(&self.state);
            s.assets.values_mut().for_each(AssetView::reset);
            s.assets.keys().copied().collect()
        };
        while self.assets.try_recv().is_ok() {}
        // Token accounts with their own subscription (for their close).
        let mut watched_tokens: HashSet<Pubkey> = HashSet::new();
        let mut subscribed: HashSet<Pubkey> = HashSet::new();
        for asset in assets {
            self.add_asset(&client, &mut streams, &mut watched_tokens, asset)
                .await?;
            subscribed.insert(asset);
        }
        write(&self.state).connected = true;
        let mut last_clock = Instant::now();
        loop {
            tokio::select! {
                event = streams.next() => {
                    let Some(event) = event else {
                        return Ok(Some("the websocket connection closed".into()));
                    };
                    if matches!(event, Event::Clock(_)) {
                        last_clock = Instant::now();
                    }
                    for (asset, token) in self.apply(event) {
                        if watched_tokens.insert(token) {
                            self.watch_token(&client, &mut streams, asset, token).await?;
                        }
                    }
                }
                asset = self.assets.recv() => {
                    let Some(asset) = asset else { return Ok(None) };
                    if subscribed.insert(asset) {
                        self.add_asset(&client, &mut streams, &mut watched_tokens, asset).await?;
                    }
                }
                () = tokio::time::sleep_until((last_clock + SILENCE).into()) => {
                    return Ok(Some(format!("no Clock notification for {} s", SILENCE.as_secs())));
                }
            }
        }
    }

    /// Subscribes to an asset's accounts, then snapshots them (notifications meanwhile wait in
    /// their streams and are applied by slot).
    async fn add_asset<'a>(
        &self,
        client: &'a PubsubClient,
        streams: &mut SelectAll<BoxStream<'a, Event>>,
        watched_tokens: &mut HashSet<Pubkey>,
        asset: Pubkey,
    ) -> Result<()> {
        let Some(mint) = read(&self.state).assets.get(&asset).map(|v| v.access_mint) else {
            return Ok(());
        };
        let (s, _) = step(client.account_subscribe(&asset, Some(self.account_config()))).await?;
        streams.push(s.map(move |r| Event::Asset(asset, r)).boxed());
        for (program, filters) in Self::program_filters(&asset, &mint) {
            let (s, _) = step(client.program_subscribe(&program, Some(self.program_config(filters, false)))).await?;
            streams.push(if program == REGISTRY_ID {
                s.map(Event::Pass).boxed()
            } else {
                s.map(move |r| Event::Token(asset, r)).boxed()
            });
        }
        // Snapshots.
        let account: Response<Option<UiAccount>> = step(self.rpc.send(
            RpcRequest::GetAccountInfo,
            serde_json::json!([asset.to_string(), self.account_config()]),
        ))
        .await?;
        if let Some(a) = &account.value {
            self.apply(Event::Asset(
                asset,
                Response {
                    context: account.context.clone(),
                    value: a.clone(),
                },
            ));
        }
        let mut tokens = Vec::new();
        for (program, filters) in Self::program_filters(&asset, &mint) {
            let list: Response<Vec<RpcKeyedAccount>> = step(self.rpc.send(
                RpcRequest::GetProgramAccounts,
                serde_json::json!([program.to_string(), self.program_config(filters, true)]),
            ))
            .await?;
            for keyed in list.value {
                let response = Response {
                    context: list.context.clone(),
                    value: keyed,
                };
                tokens.extend(self.apply(if program == REGISTRY_ID {
                    Event::Pass(response)
                } else {
                    Event::Token(asset, response)
                }));
            }
        }
        for (asset, token) in tokens {
            if watched_tokens.insert(token) {
                self.watch_token(client, streams, asset, token).await?;
            }
        }
        if let Some(v) = write(&self.state).assets.get_mut(&asset) {
            v.synced = true;
        }
        Ok(())
    }

    /// Subscribes to one token account (its close is reported only there).
    async fn watch_token<'a>(
        &self,
        client: &'a PubsubClient,
        streams: &mut SelectAll<BoxStream<'a, Event>>,
        asset: Pubkey,
        token: Pubkey,
    ) -> Result<()> {
        let (s, _) = step(client.account_subscribe(&token, Some(self.account_config()))).await?;
        streams.push(s.map(move |r| Event::TokenAccount(asset, token, r)).boxed());
        Ok(())
    }

    /// Applies a notification or a snapshot entry; returns the token accounts newly seen
    /// (asset, account), to subscribe to.
    fn apply(&self, event: Event) -> Vec<(Pubkey, Pubkey)> {
        let mut s = write(&self.state);
        let mut new_tokens = Vec::new();
        match event {
            Event::Clock(r) => {
                let Some(now) = r.value.data.decode().as_deref().and_then(clock_unix_timestamp) else {
                    return new_tokens;
                };
                s.clock = Some((now, Instant::now()));
                if s.connected && !s.announced && s.assets.values().all(|v| v.synced) {
                    s.announced = true;
                    eprintln!(
                        "{} live view: fresh at slot {} ({} asset{} watched); deliveries are checked in memory",
                        unix_now(),
                        r.context.slot,
                        s.assets.len(),
                        if s.assets.len() == 1 { "" } else { "s" }
                    );
                }
            }
            Event::Asset(key, r) => {
                if let (Some(view), Some(asset)) = (s.assets.get_mut(&key), decode::<Asset>(&r.value)) {
                    view.set_asset(&key, r.context.slot, asset);
                }
            }
            Event::Pass(r) => {
                if let Some(pass) = decode::<AccessPass>(&r.value.account) {
                    if let Some(view) = s.assets.get_mut(&pass.asset) {
                        view.set_pass(r.context.slot, pass);
                    }
                }
            }
            Event::Token(asset, r) => {
                let Ok(key) = r.value.pubkey.parse::<Pubkey>() else {
                    return new_tokens;
                };
                if let Some(view) = s.assets.get_mut(&asset) {
                    let token = token_of(&r.value.account, &view.access_mint);
                    if view.set_token(key, r.context.slot, token) {
                        new_tokens.push((asset, key));
                    }
                }
            }
            Event::TokenAccount(asset, key, r) => {
                if let Some(view) = s.assets.get_mut(&asset) {
                    let token = token_of(&r.value, &view.access_mint);
                    view.set_token(key, r.context.slot, token);
                }
            }
        }
        new_tokens
    }
}

/// One step of a connection, bounded by [`STEP_TIMEOUT`].
async fn step<T, E: std::fmt::Display>(f: impl std::future::Future<Output = std::result::Result<T, E>>) -> Result<T> {
    tokio::time::timeout(STEP_TIMEOUT, f)
        .await
        .map_err(|_| invalid("subscription or snapshot", "timed out"))?
        .map_err(|e| invalid("subscription or snapshot", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_follow_token_accounts_by_slot() {
        let (mint, holder, other) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut v = AssetView::new(mint);
        assert!(v.set_token(a, 10, Some((holder, 2))));
        assert!(v.set_token(b, 10, Some((holder, 1))));
        assert_eq!(v.balances.get(&holder), Some(&3));
        // An older snapshot does not replace a newer notification.
        assert!(!v.set_token(a, 12, Some((holder, 0))));
        assert!(!v.set_token(a, 11, Some((holder, 2))));
        assert_eq!(v.balances.get(&holder), Some(&1));
        // A transfer of the last token, then a close.
        v.set_token(b, 13, Some((holder, 0)));
        assert_eq!(v.balances.get(&holder), None);
        v.set_token(b, 14, None);
        // An account that changes hands (a new owner's balance).
        v.set_token(a, 15, Some((other, 4)));
        assert_eq!((v.balances.get(&holder), v.balances.get(&other)), (None, Some(&4)));
    }
}
