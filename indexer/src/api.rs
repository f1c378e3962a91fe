//! The HTTP JSON API over the database (axum). Every list is paginated (`limit`, default 50,
//! at most 500; `offset`) and answers `{items, total, limit, offset, nextOffset}`. Amounts
//! are base units of the mint (JSON numbers); keys base58; times Unix seconds. The query
//! functions are public so that the CLI and the tests can call them without HTTP.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};

use crate::{db::uint, project::load_split, Db, Error, Result};

/// The API's routes over `db`.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/v1/status", get(h_status))
        .route("/v1/totals", get(h_totals))
        .route("/v1/assets", get(h_assets))
        .route("/v1/assets/{address}", get(h_asset))
        .route("/v1/assets/{address}/sales", get(h_sales))
        .route("/v1/assets/{address}/revenue", get(h_revenue))
        .route("/v1/wallets/{wallet}/passes", get(h_passes))
        .route("/v1/wallets/{wallet}/owed", get(h_owed))
        .route("/v1/jobs", get(h_jobs))
        .route("/v1/jobs/{address}", get(h_job))
        .route("/v1/providers", get(h_providers))
        .route("/v1/providers/{address}", get(h_provider))
        .route("/v1/channels", get(h_channels))
        .route("/v1/channels/{address}", get(h_channel))
        .with_state(db)
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    db: Db,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // TCP_NODELAY: a small JSON answer is not held back by Nagle's algorithm.
    axum::serve(
        axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        }),
        router(db),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(Error::Io)
}

// ---------------------------------------------------------------------------------------------
// Errors and pages

pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(m) => ApiError(StatusCode::BAD_REQUEST, m),
            e => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

type ApiResult<T> = std::result::Result<Json<T>, ApiError>;

fn not_found(what: &str, key: &str) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no {what} {key} in the index"))
}

#[derive(Debug, Clone, Copy, Deserialize, Default)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PageParams {
    fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 500)
    }
    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: i64,
    pub offset: i64,
    pub next_offset: Option<i64>,
}

fn page<T>(items: Vec<T>, total: i64, p: PageParams) -> Page<T> {
    let next = p.offset() + items.len() as i64;
    Page {
        next_offset: (next < total).then_some(next),
        items,
        total: uint(total),
        limit: p.limit(),
        offset: p.offset(),
    }
}

/// A query under construction: SQL text with `$n` placeholders and its arguments.
#[derive(Default)]
struct Q {
    sql: String,
    args: Vec<Arg>,
}

#[derive(Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Q {
    fn new(sql: &str) -> Self {
        Q {
            sql: sql.to_string(),
            args: vec![],
        }
    }
    /// Appends `sql` with every `?` in it replaced by the next placeholder, bound to `a`.
    fn push(&mut self, sql: &str, a: Arg) -> &mut Self {
        self.args.push(a);
        self.sql.push_str(&sql.replace('?', &format!("${}", self.args.len())));
        self
    }
    fn raw(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }
    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
    async fn all(&self, db: &Db) -> Result<Vec<AnyRow>> {
        Ok(self.query().fetch_all(&db.pool).await?)
    }
    async fn count(&self, db: &Db) -> Result<i64> {
        let row = self.query().fetch_one(&db.pool).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }
    /// With `self` as the WHERE clause of `table`: the number of matching rows, and the page
    /// `pp` of them (`cols`), ordered by `order`.
    async fn page_of(
        self,
        db: &Db,
        cols: &str,
        table: &str,
        order: &str,
        pp: &PageParams,
    ) -> Result<(i64, Vec<AnyRow>)> {
        let mut count = Q::new(&format!("SELECT COUNT(*) FROM {table}"));
        count.sql.push_str(&self.sql);
        count.args = self.args.clone();
        let total = count.count(db).await?;
        let mut q = Q::new(&format!("SELECT {cols} FROM {table}"));
        q.sql.push_str(&self.sql);
        q.args = self.args;
        q.raw(&format!(" ORDER BY {order}"));
        q.push(" LIMIT ?", Arg::Int(pp.limit()));
        q.push(" OFFSET ?", Arg::Int(pp.offset()));
        Ok((total, q.all(db).await?))
    }
}

/// The row of `table` at `address`, if any.
async fn row_at(db: &Db, table: &str, address: &str) -> Result<Option<AnyRow>> {
    Ok(sqlx::query(&format!("SELECT * FROM {table} WHERE address = $1"))
        .bind(address)
        .fetch_optional(&db.pool)
        .await?)
}

fn s(r: &AnyRow, c: &str) -> Result<String> {
    Ok(r.try_get::<String, _>(c)?)
}
fn os(r: &AnyRow, c: &str) -> Result<Option<String>> {
    Ok(r.try_get::<Option<String>, _>(c)?)
}
fn i(r: &AnyRow, c: &str) -> Result<i64> {
    Ok(r.try_get::<i64, _>(c)?)
}
fn u(r: &AnyRow, c: &str) -> Result<u64> {
    Ok(uint(i(r, c)?))
}
fn oi(r: &AnyRow, c: &str) -> Result<Option<i64>> {
    Ok(r.try_get::<Option<i64>, _>(c)?)
}
fn ou(r: &AnyRow, c: &str) -> Result<Option<u64>> {
    Ok(oi(r, c)?.map(uint))
}
fn b(r: &AnyRow, c: &str) -> Result<bool> {
    Ok(i(r, c)? != 0)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueParams {
    /// Words searched (case-insensitive) in the URI and the metadata's name, description, tags.
    pub q: Option<String>,
    /// `Dataset` or `Model`.
    pub kind: Option<String>,
    /// `Listed`, `Delisted` or `Retired`.
    pub state: Option<String>,
    /// Payment mint.
    pub mint: Option<String>,
    pub publisher: Option<String>,
    /// A metadata tag (exact, case-insensitive).
    pub tag: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// `newest` (default), `oldest`, `best_selling`, `revenue`, `price`, `price_desc`.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `pending`, `ok`, `error` or `unsupported`.
    pub status: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssetOut {
    pub address: String,
    pub publisher: String,
    pub kind: String,
    pub state: String,
    pub uri: String,
    pub content_hash: String,
    pub access_mint: String,
    pub payment_mint: String,
    pub split: String,
    pub price: u64,
    pub max_supply: u64,
    pub access_duration: u64,
    pub inference_royalty_bps: u64,
    pub inference_gated: bool,
    pub previous_version: Option<String>,
    /// Number of sales.
    pub sales: u64,
    /// Access tokens sold.
    pub sold: u64,
    /// Σ of the sales' totals (what buyers paid, fees included).
    pub revenue: u64,
    pub published_slot: u64,
    pub published_at: Option<i64>,
    pub metadata: Metadata,
}

const ASSET_COLS: &str = "address, publisher, kind, state, uri, content_hash, access_mint, payment_mint, split, \
    price, max_supply, access_duration, inference_royalty_bps, inference_gated, previous_version, sales, sold, \
    revenue, published_slot, published_at, meta_status, meta_name, meta_description, meta_tags, meta_error";

fn asset_of(r: &AnyRow) -> Result<AssetOut> {
    Ok(AssetOut {
        address: s(r, "address")?,
        publisher: s(r, "publisher")?,
        kind: s(r, "kind")?,
        state: s(r, "state")?,
        uri: s(r, "uri")?,
        content_hash: s(r, "content_hash")?,
        access_mint: s(r, "access_mint")?,
        payment_mint: s(r, "payment_mint")?,
        split: s(r, "split")?,
        price: u(r, "price")?,
        max_supply: u(r, "max_supply")?,
        access_duration: u(r, "access_duration")?,
        inference_royalty_bps: u(r, "inference_royalty_bps")?,
        inference_gated: b(r, "inference_gated")?,
        previous_version: os(r, "previous_version")?,
        sales: u(r, "sales")?,
        sold: u(r, "sold")?,
        revenue: u(r, "revenue")?,
        published_slot: u(r, "published_slot")?,
        published_at: oi(r, "published_at")?,
        metadata: Metadata {
            status: s(r, "meta_status")?,
            name: os(r, "meta_name")?,
            description: os(r, "meta_description")?,
            tags: os(r, "meta_tags")?
                .map(|t| t.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            error: os(r, "meta_error")?,
        },
    })
}

pub async fn catalogue(db: &Db, p: &CatalogueParams) -> Result<Page<AssetOut>> {
    let pp = PageParams {
        limit: p.limit,
        offset: p.offset,
    };
    let mut w = Q::new(" WHERE 1 = 1");
    if let Some(q) = p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        // Every word must match somewhere.
        for word in q.split_whitespace() {
            let pat = format!("%{}%", word.to_lowercase());
            w.push(
                " AND (LOWER(uri) LIKE ? OR LOWER(COALESCE(meta_name, '')) LIKE ? \
                 OR LOWER(COALESCE(meta_description, '')) LIKE ? OR LOWER(COALESCE(meta_tags, '')) LIKE ?)",
                Arg::Text(pat),
            );
        }
    }
    for (col, v) in [
        ("kind", &p.kind),
        ("state", &p.state),
        ("payment_mint", &p.mint),
        ("publisher", &p.publisher),
    ] {
        if let Some(v) = v {
            w.push(&format!(" AND {col} = ?"), Arg::Text(v.clone()));
        }
    }
    if let Some(t) = &p.tag {
        w.push(
            " AND (',' || LOWER(COALESCE(meta_tags, '')) || ',') LIKE ?",
            Arg::Text(format!("%,{},%", t.to_lowercase())),
        );
    }
    if let Some(v) = p.min_price {
        w.push(" AND price >= ?", Arg::Int(v));
    }
    if let Some(v) = p.max_price {
        w.push(" AND price <= ?", Arg::Int(v));
    }
    let order = match p.sort.as_deref().unwrap_or("newest") {
        "newest" => "published_slot DESC, address",
        "oldest" => "published_slot ASC, address",
        "best_selling" => "sold DESC, sales DESC, address",
        "revenue" => "revenue DESC, address",
        "price" => "price ASC, address",
        "price_desc" => "price DESC, address",
        other => {
            return Err(Error::Invalid(format!(
                "unknown sort `{other}`: newest, oldest, best_selling, revenue, price, price_desc"
            )))
        }
    };
    let (total, rows) = w.page_of(db, ASSET_COLS, "assets", order, &pp).await?;
    let items = rows.iter().map(asset_of).collect::<Result<_>>()?;
    Ok(page(items, total, pp))
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LineageEdge {
    pub child: String,
    pub parent: String,
    pub parent_split: String,
    pub bps: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssetDetail {
    #[serde(flatten)]
    pub asset: AssetOut,
    /// What it was trained on, in order.
    pub parents: Vec<LineageEdge>,
    /// What was trained on it.
    pub children: Vec<LineageEdge>,
}

fn edge(r: &AnyRow) -> Result<LineageEdge> {
    Ok(LineageEdge {
        child: s(r, "child")?,
        parent: s(r, "parent")?,
        parent_split: s(r, "parent_split")?,
        bps: u(r, "bps")?,
    })
}

pub async fn asset(db: &Db, address: &str) -> Result<Option<AssetDetail>> {
    let Some(r) = sqlx::query(&format!("SELECT {ASSET_COLS} FROM assets WHERE address = $1"))
        .bind(address)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let parents = sqlx::query("SELECT * FROM lineage WHERE child = $1 ORDER BY position")
        .bind(address)
        .fetch_all(&db.pool)
        .await?;
    let children = sqlx::query("SELECT * FROM lineage WHERE parent = $1 ORDER BY child")
        .bind(address)
        .fetch_all(&db.pool)
        .await?;
    Ok(Some(AssetDetail {
        asset: asset_of(&r)?,
        parents: parents.iter().map(edge).collect::<Result<_>>()?,
        children: children.iter().map(edge).collect::<Result<_>>()?,
    }))
}

// ---------------------------------------------------------------------------------------------
// Sales and revenue

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SaleOut {
    pub signature: String,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub asset: String,
    pub buyer: String,
    pub pass: String,
    pub quantity: u64,
    pub price: u64,
    pub total: u64,
    pub fee: u64,
    pub parent_amounts: Vec<u64>,
    pub net: u64,
    pub expires_at: i64,
    pub perpetual: bool,
    pub sale_seq: u64,
    pub finalized: bool,
}

pub async fn sales(db: &Db, asset: &str, p: PageParams) -> Result<Page<SaleOut>> {
    let total = Q {
        sql: "SELECT COUNT(*) FROM sales WHERE asset = $1".into(),
        args: vec![Arg::Text(asset.into())],
    }
    .count(db)
    .await?;
    let rows = sqlx::query("SELECT * FROM sales WHERE asset = $1 ORDER BY sale_seq DESC LIMIT $2 OFFSET $3")
        .bind(asset)
        .bind(p.limit())
        .bind(p.offset())
        .fetch_all(&db.pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(SaleOut {
                signature: s(r, "signature")?,
                slot: u(r, "slot")?,
                block_time: oi(r, "block_time")?,
                asset: s(r, "asset")?,
                buyer: s(r, "buyer")?,
                pass: s(r, "pass")?,
                quantity: u(r, "quantity")?,
                price: u(r, "price")?,
                total: u(r, "total")?,
                fee: u(r, "fee")?,
                parent_amounts: serde_json::from_str(&s(r, "parent_amounts")?).unwrap_or_default(),
                net: u(r, "net")?,
                expires_at: i(r, "expires_at")?,
                perpetual: b(r, "perpetual")?,
                sale_seq: u(r, "sale_seq")?,
                finalized: b(r, "finalized")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(page(items, total, p))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueParams {
    /// Bucket width in seconds (default 86,400: a day).
    pub bucket: Option<i64>,
    /// Only sales at or after / before these Unix times.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RevenueBucket {
    /// Start of the bucket (Unix seconds); 0 in `total`.
    pub start: i64,
    pub sales: u64,
    pub quantity: u64,
    /// What buyers paid.
    pub gross: u64,
    /// Protocol fees.
    pub fees: u64,
    /// Paid on to the parents' splits.
    pub to_parents: u64,
    /// Paid to the asset's own split.
    pub net: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Revenue {
    pub asset: String,
    pub bucket_seconds: i64,
    pub series: Vec<RevenueBucket>,
    pub total: RevenueBucket,
    /// What the asset's split received as a parent of other assets' sales.
    pub as_parent: u64,
}

pub async fn revenue(db: &Db, asset: &str, p: &RevenueParams) -> Result<Revenue> {
    let width = p.bucket.unwrap_or(86_400);
    if width <= 0 {
        return Err(Error::Invalid("bucket must be a positive number of seconds".into()));
    }
    let mut q = Q::new("");
    q.push(
        "SELECT (COALESCE(block_time, 0) / ?) * ? AS bucket, COUNT(*) AS n, CAST(SUM(quantity) AS BIGINT) AS quantity, \
         CAST(SUM(total) AS BIGINT) AS gross, CAST(SUM(fee) AS BIGINT) AS fees, \
         CAST(SUM(to_parents) AS BIGINT) AS to_parents, CAST(SUM(net) AS BIGINT) AS net FROM sales",
        Arg::Int(width),
    );
    q.push(" WHERE asset = ?", Arg::Text(asset.into()));
    if let Some(f) = p.from {
        q.push(" AND block_time >= ?", Arg::Int(f));
    }
    if let Some(t) = p.to {
        q.push(" AND block_time < ?", Arg::Int(t));
    }
    q.raw(" GROUP BY bucket ORDER BY bucket");
    let mut total = RevenueBucket::default();
    let mut series = vec![];
    for r in q.all(db).await? {
        let bkt = RevenueBucket {
            start: i(&r, "bucket")?,
            sales: u(&r, "n")?,
            quantity: u(&r, "quantity")?,
            gross: u(&r, "gross")?,
            fees: u(&r, "fees")?,
            to_parents: u(&r, "to_parents")?,
            net: u(&r, "net")?,
        };
        total.sales += bkt.sales;
        total.quantity += bkt.quantity;
        total.gross += bkt.gross;
        total.fees += bkt.fees;
        total.to_parents += bkt.to_parents;
        total.net += bkt.net;
        series.push(bkt);
    }
    // As a parent: each sale of a child pays the parent's split its entry of parent_amounts.
    let mut as_parent = 0u64;
    let edges = sqlx::query("SELECT child, position FROM lineage WHERE parent = $1")
        .bind(asset)
        .fetch_all(&db.pool)
        .await?;
    for e in edges {
        let pos = usize::try_from(i(&e, "position")?).unwrap_or(usize::MAX);
        let rows = sqlx::query("SELECT parent_amounts FROM sales WHERE asset = $1")
            .bind(s(&e, "child")?)
            .fetch_all(&db.pool)
            .await?;
        for r in rows {
            let v: Vec<u64> = serde_json::from_str(&s(&r, "parent_amounts")?).unwrap_or_default();
            as_parent = as_parent.saturating_add(v.get(pos).copied().unwrap_or(0));
        }
    }
    Ok(Revenue {
        asset: asset.into(),
        bucket_seconds: width,
        series,
        total,
        as_parent,
    })
}

// ---------------------------------------------------------------------------------------------
// Wallets

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PassParams {
    /// The time validity is judged at (default: now).
    pub now: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PassOut {
    pub pass: String,
    pub asset: String,
    pub uri: Option<String>,
    pub name: Option<String>,
    pub expires_at: i64,
    pub perpetual: bool,
    pub purchased: u64,
    pub redeemed: u64,
    pub revoked: bool,
    pub revoke_reason: u64,
    /// Not revoked, and perpetual or `now < expiresAt` (the registry's rule, minus the
    /// access-token balance, which the index does not follow).
    pub valid: bool,
}

pub async fn passes(db: &Db, wallet: &str, p: &PassParams) -> Result<Page<PassOut>> {
    let pp = PageParams {
        limit: p.limit,
        offset: p.offset,
    };
    let now = p.now.unwrap_or_else(now);
    let total = Q {
        sql: "SELECT COUNT(*) FROM passes WHERE holder = $1".into(),
        args: vec![Arg::Text(wallet.into())],
    }
    .count(db)
    .await?;
    let rows = sqlx::query(
        "SELECT p.*, a.uri, a.meta_name FROM passes p LEFT JOIN assets a ON a.address = p.asset \
         WHERE p.holder = $1 ORDER BY p.created_slot, p.address LIMIT $2 OFFSET $3",
    )
    .bind(wallet)
    .bind(pp.limit())
    .bind(pp.offset())
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            let revoked = b(r, "revoked")?;
            let perpetual = b(r, "perpetual")?;
            let expires_at = i(r, "expires_at")?;
            Ok(PassOut {
                pass: s(r, "address")?,
                asset: s(r, "asset")?,
                uri: os(r, "uri")?,
                name: os(r, "meta_name")?,
                expires_at,
                perpetual,
                purchased: u(r, "purchased")?,
                redeemed: u(r, "redeemed")?,
                revoked,
                revoke_reason: u(r, "revoke_reason")?,
                valid: !revoked && (perpetual || now < expires_at),
            })
        })
        .collect::<Result<_>>()?;
    Ok(page(items, total, pp))
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OwedItem {
    pub split: String,
    pub subject: String,
    pub mint: String,
    /// Claimable now from the split (`claim`), by the royalties program's own math.
    pub owed: u64,
    /// Parked balances of this split not yet paid (`claim_parked`).
    pub parked: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MintAmount {
    pub mint: String,
    pub amount: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    pub wallet: String,
    /// Every split that owes the wallet something.
    pub items: Vec<OwedItem>,
    /// `owed + parked` summed per mint.
    pub totals: Vec<MintAmount>,
}

/// What `wallet` is owed across every split: each split it has an entry in, rebuilt from the
/// index and asked with `Split::owed` (the program's claim math), plus unpaid parked balances.
pub async fn owed(db: &Db, wallet: &str) -> Result<Owed> {
    let mut c = db.pool.acquire().await?;
    let splits = sqlx::query(
        "SELECT DISTINCT split FROM split_entries WHERE address = $1 \
         UNION SELECT DISTINCT split FROM parked WHERE address = $1 AND paid = 0",
    )
    .bind(wallet)
    .fetch_all(&mut *c)
    .await?;
    let key = crate::project::pubkey(wallet).map_err(|_| Error::Invalid(format!("`{wallet}` is not a public key")))?;
    let mut items = vec![];
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut names: Vec<String> = splits.iter().map(|r| s(r, "split")).collect::<Result<_>>()?;
    names.sort();
    for split in names {
        let Some(state) = load_split(&mut c, &split).await? else {
            continue;
        };
        let owed = state
            .owed(&key)
            .map_err(|e| Error::Invalid(format!("split {split}: {e}")))?;
        let parked = sqlx::query(
            "SELECT COALESCE(CAST(SUM(owed) AS BIGINT), 0) FROM parked WHERE split = $1 AND address = $2 AND paid = 0",
        )
        .bind(split.as_str())
        .bind(wallet)
        .fetch_one(&mut *c)
        .await?
        .try_get::<i64, _>(0)?;
        let parked = uint(parked);
        if owed == 0 && parked == 0 {
            continue;
        }
        let mint = state.mint.to_string();
        *totals.entry(mint.clone()).or_default() += owed.saturating_add(parked);
        items.push(OwedItem {
            split,
            subject: state.subject.to_string(),
            mint,
            owed,
            parked,
        });
    }
    Ok(Owed {
        wallet: wallet.into(),
        items,
        totals: totals
            .into_iter()
            .map(|(mint, amount)| MintAmount { mint, amount })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Jobs and providers

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobParams {
    pub consumer: Option<String>,
    /// The provider account or its authority.
    pub provider: Option<String>,
    /// Either party: the consumer, or the authority (or account) of the provider.
    pub party: Option<String>,
    /// `Open`, `Accepted`, `Delivered`, `Disputed` or `Settled`.
    pub state: Option<String>,
    /// `Confirmed`, `Released`, `RefundedUnaccepted`, `RefundedUndelivered`, `Resolved`,
    /// `SettledByDefault`.
    pub outcome: Option<String>,
    pub model: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobTransition {
    pub state: String,
    pub outcome: Option<String>,
    pub signature: String,
    pub slot: u64,
    pub block_time: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobOut {
    pub address: String,
    pub consumer: String,
    pub job_id: u64,
    pub model: String,
    pub requested_provider: Option<String>,
    pub provider: Option<String>,
    pub fee: u64,
    pub state: String,
    pub outcome: Option<String>,
    pub provider_share_bps: Option<u64>,
    pub accept_deadline: i64,
    pub delivery_deadline: Option<i64>,
    pub challenge_deadline: Option<i64>,
    pub dispute_deadline: Option<i64>,
    pub slash_amount: Option<u64>,
    pub to_treasury: Option<u64>,
    pub to_model_split: Option<u64>,
    /// Each parent's share of the royalty, in the model's order.
    pub to_parents: Option<Vec<u64>>,
    pub to_provider: Option<u64>,
    pub to_consumer: Option<u64>,
    pub slashed: Option<u64>,
    pub surplus: Option<u64>,
    /// Every transition, oldest first.
    pub transitions: Vec<JobTransition>,
}

async fn job_of(db: &Db, r: &AnyRow) -> Result<JobOut> {
    let address = s(r, "address")?;
    let ts = sqlx::query(
        "SELECT state, outcome, signature, slot, block_time FROM job_transitions WHERE job = $1 \
         ORDER BY slot, signature, ix_index, inner_index",
    )
    .bind(address.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(JobOut {
        consumer: s(r, "consumer")?,
        job_id: u(r, "job_id")?,
        model: s(r, "model")?,
        requested_provider: os(r, "requested_provider")?,
        provider: os(r, "provider")?,
        fee: u(r, "fee")?,
        state: s(r, "state")?,
        outcome: os(r, "outcome")?,
        provider_share_bps: ou(r, "provider_share_bps")?,
        accept_deadline: i(r, "accept_deadline")?,
        delivery_deadline: oi(r, "delivery_deadline")?,
        challenge_deadline: oi(r, "challenge_deadline")?,
        dispute_deadline: oi(r, "dispute_deadline")?,
        slash_amount: ou(r, "slash_amount")?,
        to_treasury: ou(r, "to_treasury")?,
        to_model_split: ou(r, "to_model_split")?,
        to_parents: os(r, "to_parents")?.and_then(|p| serde_json::from_str(&p).ok()),
        to_provider: ou(r, "to_provider")?,
        to_consumer: ou(r, "to_consumer")?,
        slashed: ou(r, "slashed")?,
        surplus: ou(r, "surplus")?,
        transitions: ts
            .iter()
            .map(|t| {
                Ok(JobTransition {
                    state: s(t, "state")?,
                    outcome: os(t, "outcome")?,
                    signature: s(t, "signature")?,
                    slot: u(t, "slot")?,
                    block_time: oi(t, "block_time")?,
                })
            })
            .collect::<Result<_>>()?,
        address,
    })
}

pub async fn jobs(db: &Db, p: &JobParams) -> Result<Page<JobOut>> {
    let pp = PageParams {
        limit: p.limit,
        offset: p.offset,
    };
    let mut w = Q::new(" WHERE 1 = 1");
    if let Some(v) = &p.consumer {
        w.push(" AND consumer = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = &p.provider {
        w.push(
            " AND provider IN (SELECT address FROM providers WHERE address = ? OR authority = ?)",
            Arg::Text(v.clone()),
        );
    }
    if let Some(v) = &p.party {
        w.push(
            " AND (consumer = ? OR provider IN (SELECT address FROM providers WHERE address = ? OR authority = ?))",
            Arg::Text(v.clone()),
        );
    }
    for (col, v) in [("state", &p.state), ("outcome", &p.outcome), ("model", &p.model)] {
        if let Some(v) = v {
            w.push(&format!(" AND {col} = ?"), Arg::Text(v.clone()));
        }
    }
    let (total, rows) = w.page_of(db, "*", "jobs", "opened_slot DESC, address", &pp).await?;
    let mut items = vec![];
    for r in rows {
        items.push(job_of(db, &r).await?);
    }
    Ok(page(items, total, pp))
}

pub async fn job(db: &Db, address: &str) -> Result<Option<JobOut>> {
    match row_at(db, "jobs", address).await? {
        Some(r) => Ok(Some(job_of(db, &r).await?)),
        None => Ok(None),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderOut {
    pub address: String,
    pub authority: String,
    pub mint: String,
    pub endpoint: String,
    pub models: Vec<String>,
    pub bond: u64,
    pub unbond_amount: u64,
    pub unbond_available_at: i64,
    /// Jobs it accepted.
    pub jobs_accepted: u64,
    /// Settled by the consumer's confirmation or after the challenge window.
    pub jobs_completed: u64,
    /// Refunded because it missed the delivery deadline.
    pub jobs_missed: u64,
    /// Settled by the arbiter or by the default rule after a dispute.
    pub jobs_disputed: u64,
    /// Accepted and not settled yet.
    pub jobs_open: u64,
    pub slashes: u64,
    pub slashed_total: u64,
}

const PROVIDER_SQL: &str = "SELECT p.*, \
    (SELECT COUNT(*) FROM jobs j WHERE j.provider = p.address) AS jobs_accepted, \
    (SELECT COUNT(*) FROM jobs j WHERE j.provider = p.address AND j.outcome IN ('Confirmed', 'Released')) AS jobs_completed, \
    (SELECT COUNT(*) FROM jobs j WHERE j.provider = p.address AND j.outcome = 'RefundedUndelivered') AS jobs_missed, \
    (SELECT COUNT(*) FROM jobs j WHERE j.provider = p.address AND j.outcome IN ('Resolved', 'SettledByDefault')) AS jobs_disputed, \
    (SELECT COUNT(*) FROM jobs j WHERE j.provider = p.address AND j.state <> 'Settled') AS jobs_open, \
    (SELECT COUNT(*) FROM slashes x WHERE x.provider = p.address) AS slashes, \
    (SELECT COALESCE(CAST(SUM(x.amount) AS BIGINT), 0) FROM slashes x WHERE x.provider = p.address) AS slashed_total \
    FROM providers p";

fn provider_of(r: &AnyRow) -> Result<ProviderOut> {
    Ok(ProviderOut {
        address: s(r, "address")?,
        authority: s(r, "authority")?,
        mint: s(r, "mint")?,
        endpoint: s(r, "endpoint")?,
        models: serde_json::from_str(&s(r, "models")?).unwrap_or_default(),
        bond: u(r, "bond")?,
        unbond_amount: u(r, "unbond_amount")?,
        unbond_available_at: i(r, "unbond_available_at")?,
        jobs_accepted: u(r, "jobs_accepted")?,
        jobs_completed: u(r, "jobs_completed")?,
        jobs_missed: u(r, "jobs_missed")?,
        jobs_disputed: u(r, "jobs_disputed")?,
        jobs_open: u(r, "jobs_open")?,
        slashes: u(r, "slashes")?,
        slashed_total: u(r, "slashed_total")?,
    })
}

pub async fn providers(db: &Db, p: PageParams) -> Result<Page<ProviderOut>> {
    let total = Q::new("SELECT COUNT(*) FROM providers").count(db).await?;
    let rows = sqlx::query(&format!(
        "{PROVIDER_SQL} ORDER BY p.registered_slot, p.address LIMIT $1 OFFSET $2"
    ))
    .bind(p.limit())
    .bind(p.offset())
    .fetch_all(&db.pool)
    .await?;
    let items = rows.iter().map(provider_of).collect::<Result<_>>()?;
    Ok(page(items, total, p))
}

/// A provider by its account or its authority.
pub async fn provider(db: &Db, key: &str) -> Result<Option<ProviderOut>> {
    let r = sqlx::query(&format!("{PROVIDER_SQL} WHERE p.address = $1 OR p.authority = $1"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    r.as_ref().map(provider_of).transpose()
}

// ---------------------------------------------------------------------------------------------
// Payment channels

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChannelParams {
    pub payer: Option<String>,
    /// The payee: the provider's authority (or its provider account).
    pub payee: Option<String>,
    pub model: Option<String>,
    /// `Open`, `Closing` (a close was requested) or `Closed`.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// One voucher settlement: `amount = cumulative − the previous settled total`, paid out of the
/// vault as `to_treasury + to_model_split + Σ to_parents + to_payee`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSettlementOut {
    pub signature: String,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub cumulative: u64,
    pub amount: u64,
    pub to_treasury: u64,
    pub to_model_split: u64,
    /// Each parent's share, in the model's order.
    pub to_parents: Vec<u64>,
    pub to_payee: u64,
    /// The settled total afterwards, and `deposit − settled` then.
    pub settled: u64,
    pub remaining: u64,
    pub finalized: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChannelOut {
    pub address: String,
    pub payer: String,
    /// The provider's authority, paid by the settlements.
    pub payee: String,
    pub provider: String,
    pub authorized_signer: String,
    pub model: String,
    pub mint: String,
    pub channel_id: u64,
    /// What the vault received, top-ups included.
    pub deposit: u64,
    pub settled: u64,
    /// `deposit − settled`: the unspent deposit (returned to the payer at the close).
    pub remaining: u64,
    /// Snapshots at opening.
    pub fee_bps: u64,
    pub royalty_bps: u64,
    pub close_grace: u64,
    pub opened_at: i64,
    /// `Open`, `Closing` or `Closed`.
    pub state: String,
    pub grace_ends_at: Option<i64>,
    /// At the close: the unspent deposit and any surplus returned to the payer, and who closed.
    pub refund: Option<u64>,
    pub surplus: Option<u64>,
    pub closed_by: Option<String>,
    /// Every settlement, oldest first.
    pub settlements: Vec<ChannelSettlementOut>,
}

async fn channel_of(db: &Db, r: &AnyRow) -> Result<ChannelOut> {
    let address = s(r, "address")?;
    let rows = sqlx::query(
        "SELECT * FROM channel_settlements WHERE channel = $1 ORDER BY slot, signature, ix_index, inner_index",
    )
    .bind(address.as_str())
    .fetch_all(&db.pool)
    .await?;
    let settlements = rows
        .iter()
        .map(|t| {
            Ok(ChannelSettlementOut {
                signature: s(t, "signature")?,
                slot: u(t, "slot")?,
                block_time: oi(t, "block_time")?,
                cumulative: u(t, "cumulative")?,
                amount: u(t, "amount")?,
                to_treasury: u(t, "to_treasury")?,
                to_model_split: u(t, "to_model_split")?,
                to_parents: serde_json::from_str(&s(t, "to_parents")?).unwrap_or_default(),
                to_payee: u(t, "to_payee")?,
                settled: u(t, "settled")?,
                remaining: u(t, "remaining")?,
                finalized: b(t, "finalized")?,
            })
        })
        .collect::<Result<_>>()?;
    let (deposit, settled) = (u(r, "deposit")?, u(r, "settled")?);
    Ok(ChannelOut {
        payer: s(r, "payer")?,
        payee: s(r, "payee")?,
        provider: s(r, "provider")?,
        authorized_signer: s(r, "authorized_signer")?,
        model: s(r, "model")?,
        mint: s(r, "mint")?,
        channel_id: u(r, "channel_id")?,
        deposit,
        settled,
        remaining: deposit.saturating_sub(settled),
        fee_bps: u(r, "fee_bps")?,
        royalty_bps: u(r, "royalty_bps")?,
        close_grace: u(r, "close_grace")?,
        opened_at: i(r, "opened_at")?,
        state: s(r, "state")?,
        grace_ends_at: oi(r, "grace_ends_at")?,
        refund: ou(r, "refund")?,
        surplus: ou(r, "surplus")?,
        closed_by: os(r, "closed_by")?,
        settlements,
        address,
    })
}

/// Channels, newest first.
pub async fn channels(db: &Db, p: &ChannelParams) -> Result<Page<ChannelOut>> {
    let pp = PageParams {
        limit: p.limit,
        offset: p.offset,
    };
    let mut w = Q::new(" WHERE 1 = 1");
    if let Some(v) = &p.payee {
        w.push(" AND (payee = ? OR provider = ?)", Arg::Text(v.clone()));
    }
    for (col, v) in [("payer", &p.payer), ("model", &p.model), ("state", &p.state)] {
        if let Some(v) = v {
            w.push(&format!(" AND {col} = ?"), Arg::Text(v.clone()));
        }
    }
    let (total, rows) = w.page_of(db, "*", "channels", "opened_slot DESC, address", &pp).await?;
    let mut items = vec![];
    for r in rows {
        items.push(channel_of(db, &r).await?);
    }
    Ok(page(items, total, pp))
}

pub async fn channel(db: &Db, address: &str) -> Result<Option<ChannelOut>> {
    match row_at(db, "channels", address).await? {
        Some(r) => Ok(Some(channel_of(db, &r).await?)),
        None => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Totals and status

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MintTotals {
    pub mint: String,
    /// What buyers paid for access.
    pub sales_volume: u64,
    /// Protocol fees: of sales, plus the treasury's part of settled jobs and of channel
    /// settlements.
    pub protocol_fees: u64,
    /// Credited to splits (deposits and syncs).
    pub royalties_credited: u64,
    pub royalties_claimed: u64,
    /// Fees of settled jobs.
    pub job_fees: u64,
    /// Taken from provider bonds.
    pub slashed: u64,
    /// Provider bonds now.
    pub bonded: u64,
    /// Paid out of payment channels by voucher settlements (fee, royalties and payee).
    pub channel_settled: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub assets: u64,
    pub datasets: u64,
    pub models: u64,
    pub sales: u64,
    pub access_tokens_sold: u64,
    pub passes: u64,
    pub splits: u64,
    pub claims: u64,
    pub jobs: u64,
    pub jobs_open: u64,
    pub jobs_settled: u64,
    pub providers: u64,
    pub channels: u64,
    pub events: u64,
    pub by_mint: Vec<MintTotals>,
}

async fn scalar(db: &Db, sql: &str) -> Result<u64> {
    Ok(uint(Q::new(sql).count(db).await?))
}

async fn per_mint(
    db: &Db,
    sql: &str,
    totals: &mut BTreeMap<String, MintTotals>,
    set: fn(&mut MintTotals, u64),
) -> Result<()> {
    for r in sqlx::query(sql).fetch_all(&db.pool).await? {
        let mint = s(&r, "mint")?;
        let v = u(&r, "v")?;
        let t = totals.entry(mint.clone()).or_insert_with(|| MintTotals {
            mint,
            ..MintTotals::default()
        });
        set(t, v);
    }
    Ok(())
}

pub async fn totals(db: &Db) -> Result<Totals> {
    let mut by: BTreeMap<String, MintTotals> = BTreeMap::new();
    per_mint(
        db,
        "SELECT a.payment_mint AS mint, CAST(SUM(x.total) AS BIGINT) AS v FROM sales x JOIN assets a ON a.address = x.asset GROUP BY a.payment_mint",
        &mut by,
        |t, v| t.sales_volume = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT mint, CAST(SUM(v) AS BIGINT) AS v FROM (\
         SELECT a.payment_mint AS mint, x.fee AS v FROM sales x JOIN assets a ON a.address = x.asset \
         UNION ALL SELECT a.payment_mint AS mint, j.to_treasury AS v FROM jobs j JOIN assets a ON a.address = j.model \
         WHERE j.state = 'Settled' \
         UNION ALL SELECT c.mint AS mint, x.to_treasury AS v FROM channel_settlements x \
         JOIN channels c ON c.address = x.channel) f GROUP BY mint",
        &mut by,
        |t, v| t.protocol_fees = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT s.mint AS mint, CAST(SUM(d.received) AS BIGINT) AS v FROM deposits d JOIN splits s ON s.address = d.split GROUP BY s.mint",
        &mut by,
        |t, v| t.royalties_credited = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT s.mint AS mint, CAST(SUM(c.amount) AS BIGINT) AS v FROM claims c JOIN splits s ON s.address = c.split GROUP BY s.mint",
        &mut by,
        |t, v| t.royalties_claimed = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT a.payment_mint AS mint, CAST(SUM(j.fee) AS BIGINT) AS v FROM jobs j JOIN assets a ON a.address = j.model WHERE j.state = 'Settled' GROUP BY a.payment_mint",
        &mut by,
        |t, v| t.job_fees = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT p.mint AS mint, CAST(SUM(x.amount) AS BIGINT) AS v FROM slashes x JOIN providers p ON p.address = x.provider GROUP BY p.mint",
        &mut by,
        |t, v| t.slashed = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT mint, CAST(SUM(bond) AS BIGINT) AS v FROM providers GROUP BY mint",
        &mut by,
        |t, v| t.bonded = v,
    )
    .await?;
    per_mint(
        db,
        "SELECT c.mint AS mint, CAST(SUM(x.amount) AS BIGINT) AS v FROM channel_settlements x JOIN channels c ON c.address = x.channel GROUP BY c.mint",
        &mut by,
        |t, v| t.channel_settled = v,
    )
    .await?;
    Ok(Totals {
        assets: scalar(db, "SELECT COUNT(*) FROM assets").await?,
        datasets: scalar(db, "SELECT COUNT(*) FROM assets WHERE kind = 'Dataset'").await?,
        models: scalar(db, "SELECT COUNT(*) FROM assets WHERE kind = 'Model'").await?,
        sales: scalar(db, "SELECT COUNT(*) FROM sales").await?,
        access_tokens_sold: scalar(db, "SELECT COALESCE(CAST(SUM(quantity) AS BIGINT), 0) FROM sales").await?,
        passes: scalar(db, "SELECT COUNT(*) FROM passes").await?,
        splits: scalar(db, "SELECT COUNT(*) FROM splits").await?,
        claims: scalar(db, "SELECT COUNT(*) FROM claims").await?,
        jobs: scalar(db, "SELECT COUNT(*) FROM jobs").await?,
        jobs_open: scalar(db, "SELECT COUNT(*) FROM jobs WHERE state <> 'Settled'").await?,
        jobs_settled: scalar(db, "SELECT COUNT(*) FROM jobs WHERE state = 'Settled'").await?,
        providers: scalar(db, "SELECT COUNT(*) FROM providers").await?,
        channels: scalar(db, "SELECT COUNT(*) FROM channels").await?,
        events: scalar(db, "SELECT COUNT(*) FROM events").await?,
        by_mint: by.into_values().collect(),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub program: String,
    pub signature: String,
    pub slot: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub backend: String,
    pub transactions: u64,
    pub events: u64,
    /// The newest slot ingested, and the newest whose rows are marked finalized.
    pub last_slot: u64,
    pub finalized_slot: u64,
    pub cursors: Vec<Cursor>,
}

pub async fn status(db: &Db) -> Result<Status> {
    let cursors = sqlx::query("SELECT program, signature, slot FROM cursors ORDER BY program")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Cursor {
                program: s(r, "program")?,
                signature: s(r, "signature")?,
                slot: u(r, "slot")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Status {
        backend: format!("{:?}", db.backend).to_lowercase(),
        transactions: scalar(db, "SELECT COUNT(*) FROM transactions").await?,
        events: scalar(db, "SELECT COUNT(*) FROM events").await?,
        last_slot: scalar(db, "SELECT COALESCE(MAX(slot), 0) FROM transactions").await?,
        finalized_slot: scalar(
            db,
            "SELECT COALESCE(MAX(slot), 0) FROM transactions WHERE finalized = 1",
        )
        .await?,
        cursors,
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn h_status(State(db): State<Db>) -> ApiResult<Status> {
    Ok(Json(status(&db).await?))
}

async fn h_totals(State(db): State<Db>) -> ApiResult<Totals> {
    Ok(Json(totals(&db).await?))
}

async fn h_assets(State(db): State<Db>, Query(p): Query<CatalogueParams>) -> ApiResult<Page<AssetOut>> {
    Ok(Json(catalogue(&db, &p).await?))
}

async fn h_asset(State(db): State<Db>, Path(a): Path<String>) -> ApiResult<AssetDetail> {
    Ok(Json(asset(&db, &a).await?.ok_or_else(|| not_found("asset", &a))?))
}

async fn h_sales(State(db): State<Db>, Path(a): Path<String>, Query(p): Query<PageParams>) -> ApiResult<Page<SaleOut>> {
    Ok(Json(sales(&db, &a, p).await?))
}

async fn h_revenue(State(db): State<Db>, Path(a): Path<String>, Query(p): Query<RevenueParams>) -> ApiResult<Revenue> {
    Ok(Json(revenue(&db, &a, &p).await?))
}

async fn h_passes(
    State(db): State<Db>,
    Path(w): Path<String>,
    Query(p): Query<PassParams>,
) -> ApiResult<Page<PassOut>> {
    Ok(Json(passes(&db, &w, &p).await?))
}

async fn h_owed(State(db): State<Db>, Path(w): Path<String>) -> ApiResult<Owed> {
    Ok(Json(owed(&db, &w).await?))
}

async fn h_jobs(State(db): State<Db>, Query(p): Query<JobParams>) -> ApiResult<Page<JobOut>> {
    Ok(Json(jobs(&db, &p).await?))
}

async fn h_job(State(db): State<Db>, Path(a): Path<String>) -> ApiResult<JobOut> {
    Ok(Json(job(&db, &a).await?.ok_or_else(|| not_found("job", &a))?))
}

async fn h_providers(State(db): State<Db>, Query(p): Query<PageParams>) -> ApiResult<Page<ProviderOut>> {
    Ok(Json(providers(&db, p).await?))
}

async fn h_provider(State(db): State<Db>, Path(a): Path<String>) -> ApiResult<ProviderOut> {
    Ok(Json(provider(&db, &a).await?.ok_or_else(|| not_found("provider", &a))?))
}

async fn h_channels(State(db): State<Db>, Query(p): Query<ChannelParams>) -> ApiResult<Page<ChannelOut>> {
    Ok(Json(channels(&db, &p).await?))
}

async fn h_channel(State(db): State<Db>, Path(a): Path<String>) -> ApiResult<ChannelOut> {
    Ok(Json(channel(&db, &a).await?.ok_or_else(|| not_found("channel", &a))?))
}
