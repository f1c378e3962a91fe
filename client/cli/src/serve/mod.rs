//! `tessera serve`: the access gate a publisher puts in front of a dataset file or a model
//! endpoint. It delivers only to a wallet that proves, with a signed single-use challenge,
//! that it holds a valid pass and an access token of the asset (in any of its token accounts of
//! the access mint), on chain, now.
//!
//! A consumable gate (`--consumable`) delivers instead against a confirmed `redeem_access` of
//! the holder: a redemption of N access tokens pays for N deliveries (counted in SQLite in
//! `--data-dir`, across restarts), with no balance needed beside it.
//!
//! - `GET  /v1/assets/{asset}/challenge` → `{nonce, expiresAt, domain, asset, message}`
//! - `GET  /v1/assets/{asset}/data` (datasets; HTTP range requests) with the proof headers
//! - `POST /v1/assets/{asset}/infer` (models; the body goes to the upstream) with the proof headers
//!
//! A metered gate (`--price-per-call`) sells each model call for a voucher of a payment channel
//! instead, answers HTTP 402 with the payment requirements to a call without one, and settles the
//! vouchers on chain on its own: see [`metered`].
//!
//! `--cors-origin ORIGIN` (repeatable, or `*`) answers browsers of those origins: see [`cors`].
//!
//! `--catalogue MANIFEST` serves many assets (datasets and models) from one process, each behind
//! its own gate, with the files' hashes re-checked in the background: see [`catalogue`].
//!
//! Proof headers and the signed message: see `tessera_client::proof`. Refusals are JSON
//! `{"error": CODE, "message": …}` with 400/401/403/404/405/413/500/502/504; nothing is delivered on a refusal.

mod catalogue;
mod challenge;
pub(crate) mod cors;
mod gate;
mod live;
mod metered;
mod store;
mod vouchers;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::{
    routing::{get, post},
    serve::ListenerExt,
    Router,
};
use clap::Args;
use tessera_client::{parse, Result, Tessera, TesseraError};

use crate::context::Settings;

#[derive(Args)]
pub struct ServeArgs {
    /// The asset served
    #[arg(long, required_unless_present = "catalogue")]
    asset: Option<String>,
    /// Dataset: the file (its SHA-256 must equal the asset's content hash)
    #[arg(long, conflicts_with = "upstream", required_unless_present_any = ["upstream", "catalogue"])]
    file: Option<PathBuf>,
    /// Serve many assets from one process: a TOML (or `.json`) manifest of `[[asset]]` entries
    /// (`address`, and `file` or `upstream`, optional `consumable`; an entry with neither is a
    /// dataset whose file, next to the manifest, is named by its content hash in hex)
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["asset", "file", "upstream", "consumable", "price_per_call"])]
    catalogue: Option<PathBuf>,
    /// Catalogue: re-check every file's SHA-256 this often (seconds); a file that no longer
    /// matches its asset is out of service (503 content_mismatch) until it matches again
    #[arg(long, default_value_t = 3_600, requires = "catalogue", value_parser = clap::value_parser!(u64).range(1..))]
    rehash_interval: u64,
    /// Model: the inference endpoint requests are forwarded to (POST)
    #[arg(long)]
    upstream: Option<String>,
    /// Each delivery is paid by a confirmed redeem_access transaction of the holder (header
    /// X-Tessera-Redeem): N access tokens redeemed pay for N deliveries, with no balance needed
    /// beside it
    #[arg(long)]
    consumable: bool,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Where the server keeps its state (the redemptions and the deliveries they paid for)
    #[arg(long, default_value = "tessera-serve-data")]
    data_dir: PathBuf,
    /// The domain holders sign for [default: the bind address]
    #[arg(long)]
    domain: Option<String>,
    /// Upstream timeout in seconds
    #[arg(long, default_value_t = 30)]
    upstream_timeout: u64,
    /// How long a challenge nonce lives, in seconds (at most 300)
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(i64).range(1..=300))]
    nonce_ttl: i64,
    /// The validator's websocket (pubsub) endpoint: the gate keeps the passes, balances and
    /// clock it checks in memory, current by subscriptions there [default: from --url, as the
    /// Solana CLI derives it: ws(s)://, port + 1]
    #[arg(long, value_name = "URL")]
    ws_url: Option<String>,
    /// Model, metered: the price of one call in the model's payment mint (UI units, e.g. 0.001).
    /// Calls are paid with vouchers of a payment channel to this wallet's provider; a call without
    /// one gets HTTP 402 and the payment requirements
    #[arg(long, requires = "upstream", conflicts_with = "consumable", value_name = "AMOUNT")]
    price_per_call: Option<String>,
    /// Metered: the smallest channel deposit accepted (UI units) [default: 100 calls]
    #[arg(long, requires = "price_per_call", value_name = "AMOUNT")]
    min_deposit: Option<String>,
    /// Metered: calls each payer gets free of charge (with a wallet proof) before vouchers are
    /// required
    #[arg(long, default_value_t = 0, requires = "price_per_call")]
    free_calls: u64,
    /// Metered: settle a channel once its unsettled amount reaches this (UI units) [default:
    /// 1,000 calls]
    #[arg(long, requires = "price_per_call", value_name = "AMOUNT")]
    settle_threshold: Option<String>,
    /// Metered: settle every channel with unsettled calls at least this often (seconds)
    #[arg(long, default_value_t = 3_600, requires = "price_per_call", value_parser = clap::value_parser!(i64).range(1..))]
    settle_interval: i64,
    /// Metered: how long a channel's on-chain state is trusted before it is read again (seconds)
    #[arg(long, default_value_t = 5, requires = "price_per_call")]
    channel_refresh: u64,
    /// Metered: how long the answer to a paid call is kept for a retry with the same voucher
    /// (seconds)
    #[arg(long, default_value_t = 300, requires = "price_per_call")]
    retry_window: i64,
    /// Metered: the shortest close grace (seconds) a channel may have to be accepted: once the
    /// payer requests the close, the gate must see it and settle before the grace ends. Set it to
    /// what a settlement takes on your cluster [default: 2 × --channel-refresh + 2]
    #[arg(long, requires = "price_per_call", value_name = "SECS")]
    min_close_grace: Option<u32>,
    /// Answer browsers from this origin (CORS), e.g. https://app.example.org; repeatable; `*`
    /// (alone) for any origin. Preflights are answered, the gate's request headers allowed and
    /// its answer headers exposed. Without it the gate sends no CORS header
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
}

pub enum Content {
    File(PathBuf),
    Upstream { url: String, client: reqwest::Client },
}

/// Refuses to serve `file` for `asset` unless its SHA-256 is the asset's on-chain content hash.
fn check_file(file: &std::path::Path, asset: &tessera_client::Pubkey, content_hash: &[u8; 32]) -> Result<()> {
    let hash = parse::hash_file(file)?;
    if &hash != content_hash {
        return Err(TesseraError::Invalid(format!(
            "refusing to serve `{}`: its SHA-256 is {} but asset {asset}'s content hash is {}",
            file.display(),
            parse::to_hex(&hash),
            parse::to_hex(content_hash)
        )));
    }
    Ok(())
}

/// A model's upstream: an http(s) URL, called with `timeout_secs`.
fn upstream_content(url: &str, timeout_secs: u64) -> Result<Content> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(TesseraError::Invalid(format!(
            "invalid --upstream `{url}`: expected an http(s) URL"
        )));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs))
        .build()
        .map_err(|e| TesseraError::Invalid(e.to_string()))?;
    Ok(Content::Upstream {
        url: url.to_string(),
        client,
    })
}

pub fn run(s: &Settings, a: ServeArgs) -> Result<()> {
    if let Some(manifest) = &a.catalogue {
        return catalogue::run(s, &a, manifest);
    }
    let asset = parse::pubkey("asset", a.asset.as_deref().unwrap_or_default())?;
    let chain = Tessera::new(&s.url, solana_keypair::Keypair::new(), s.commitment);
    let account = chain.asset(&asset)?;
    let content = match (&a.file, &a.upstream) {
        (Some(file), _) => {
            check_file(file, &asset, &account.content_hash)?;
            Content::File(file.clone())
        }
        (None, Some(url)) => upstream_content(url, a.upstream_timeout)?,
        (None, None) => unreachable!("clap requires one"),
    };
    std::fs::create_dir_all(&a.data_dir)
        .map_err(|e| TesseraError::Invalid(format!("cannot create --data-dir `{}`: {e}", a.data_dir.display())))?;
    let cors = cors::origins(&a.cors_origins)?;
    let store = store::RedeemStore::open(&a.data_dir.join("redeemed.sqlite3"))?;
    let domain = a.domain.unwrap_or_else(|| a.bind.to_string());
    if let (Some(price), Content::Upstream { url, client }) = (&a.price_per_call, &content) {
        let (decimals, _) = chain.mint_info(&account.payment_mint)?;
        let ui = |flag: &str, v: &str| {
            tessera_client::amount::parse_ui_amount(v, decimals)
                .map_err(|e| TesseraError::Invalid(format!("--{flag}: {e}")))
        };
        let price = ui("price-per-call", price)?;
        if price == 0 {
            return Err(TesseraError::Invalid(
                "--price-per-call must be above zero (use --free-calls for free calls)".into(),
            ));
        }
        let terms = metered::Terms {
            price,
            min_deposit: match &a.min_deposit {
                Some(v) => ui("min-deposit", v)?,
                None => price.saturating_mul(100),
            },
            free_calls: a.free_calls,
            settle_threshold: match &a.settle_threshold {
                Some(v) => ui("settle-threshold", v)?.max(1),
                None => price.saturating_mul(1_000),
            },
            settle_interval: a.settle_interval,
            channel_refresh: Duration::from_secs(a.channel_refresh),
            retry_window: a.retry_window,
            nonce_ttl: a.nonce_ttl,
            min_close_grace: a.min_close_grace.unwrap_or_else(|| {
                u32::try_from(a.channel_refresh.saturating_mul(2).saturating_add(2)).unwrap_or(u32::MAX)
            }),
            max_royalty_bps: account.inference_royalty_bps,
        };
        let wallet = crate::context::load_keypair(&s.keypair_path)?;
        let app = metered::start(
            wallet,
            &s.url,
            s.commitment,
            domain.clone(),
            asset,
            &account,
            terms,
            url.clone(),
            client.clone(),
            &a.data_dir,
        )?;
        let banner = format!(
            "tessera serve: asset {asset} on http://{{local}} (domain {domain}), metered: {} per call",
            a.price_per_call.as_deref().unwrap_or_default()
        );
        return listen(a.bind, cors::apply(app, cors), banner);
    }
    let live = live_view(s, a.ws_url.as_deref())?;
    live.watch(asset, &account);
    let state = Arc::new(
        gate::Gate::new(
            domain.clone(),
            asset,
            account,
            chain,
            content,
            a.consumable,
            store,
            a.nonce_ttl,
        )
        .with_live(live),
    );

    let app = Router::new()
        .route("/v1/assets/{asset}/challenge", get(gate::challenge))
        .route("/v1/assets/{asset}/data", get(gate::data))
        .route("/v1/assets/{asset}/infer", post(gate::infer))
        .fallback(gate::not_found)
        .method_not_allowed_fallback(gate::method_not_allowed)
        .with_state(state);
    let banner = format!(
        "tessera serve: asset {asset} on http://{{local}} (domain {domain}){}",
        if a.consumable { ", consumable" } else { "" }
    );
    listen(a.bind, cors::apply(app, cors), banner)
}

/// The live view gates check their assets against (one connection, whatever the number of
/// assets: each gate `watch`es its own): its websocket from `--ws-url`, or derived from `--url`
/// as the Solana CLI does.
fn live_view(s: &Settings, ws_url: Option<&str>) -> Result<live::LiveView> {
    let ws_url = ws_url.map_or_else(
        || solana_cli_config::Config::compute_websocket_url(&s.url),
        str::to_string,
    );
    live::LiveView::start(&s.url, &ws_url, s.commitment)
}

/// Sets TCP_NODELAY on an accepted connection (see `listen`); a failure only costs latency.
pub fn nodelay(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
}

/// Serves `app` on `bind` until Ctrl-C; prints `banner` (its `{local}` replaced by the address
/// listened on) once listening.
fn listen(bind: SocketAddr, app: Router, banner: String) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| TesseraError::Invalid(e.to_string()))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| TesseraError::Invalid(format!("cannot listen on {bind}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        println!("{}", banner.replace("{local}", &local.to_string()));
        // TCP_NODELAY: a response's head and a small body go out at once, not 40 ms apart
        // (Nagle's algorithm waiting for the client's delayed ACK), as nginx's `tcp_nodelay on`.
        axum::serve(listener.tap_io(nodelay), app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| TesseraError::Invalid(e.to_string()))
    })
}
