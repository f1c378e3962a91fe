//! `tessera serve --catalogue MANIFEST`: one process, one router, many assets.
//!
//! The manifest lists the assets served, in TOML (or JSON when its name ends in `.json`, with
//! the same shape: `{"asset": [{…}, …]}`):
//!
//! ```toml
//! [[asset]]                                   # a dataset: this file
//! address = "9xQe…"
//! file = "weather-2025.parquet"               # relative to the manifest's directory
//!
//! [[asset]]                                   # a dataset whose file, in the manifest's
//! address = "4Fk2…"                           # directory, is named by its content hash:
//!                                             # 3f0a…(64 hex digits)
//! [[asset]]                                   # a model: requests go to this endpoint
//! address = "7Hn1…"
//! upstream = "http://127.0.0.1:8000/v1/generate"
//! consumable = true                           # optional, as `--consumable`
//! ```
//!
//! The manifest is required: a bare directory of files named by their hashes is not served by
//! matching every on-chain asset with that content hash, because anyone may publish an asset
//! with the hash of a file they do not own, and its buyers would then be served this file.
//! The publisher names the assets; the directory only locates their files.
//!
//! Each entry gets its own [`Gate`] built by the same constructor as `tessera serve --asset`, so
//! every check is the single-asset gate's; the router looks `{asset}` up and hands the request to
//! that gate (an asset not in the catalogue gets the gate's `404 unknown_asset`).
//!
//! Every file's SHA-256 is checked against its asset's on-chain content hash at start-up (a
//! mismatch refuses to start, naming the file, the asset and both hashes) and again every
//! `--rehash-interval` seconds in the background: a file that no longer matches is out of
//! service (`503 content_mismatch` to its challenges and downloads, logged) until it matches
//! again. Files are streamed from disk (tower-http `ServeFile`), never read whole into memory.

use std::{
    collections::HashMap,
    path::{Path as FsPath, PathBuf},
    str::FromStr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{rejection::PathRejection, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use tessera_client::{parse, Pubkey, Result, Tessera, TesseraError};

use super::{
    check_file, cors, gate, gate::Gate, listen, live_view, store::RedeemStore, upstream_content, Content, ServeArgs,
};
use crate::context::Settings;

/// The `{asset}` path segment, as the gate's handlers take it.
type PathArg = std::result::Result<Path<String>, PathRejection>;

/// The manifest: `[[asset]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(rename = "asset", default)]
    assets: Vec<ManifestEntry>,
}

/// One asset of the manifest.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    /// The asset's address.
    address: String,
    /// Dataset: its file (relative paths are relative to the manifest's directory).
    file: Option<PathBuf>,
    /// Model: the inference endpoint.
    upstream: Option<String>,
    /// Deliveries are paid by redemptions (as `--consumable`).
    #[serde(default)]
    consumable: bool,
}

/// One asset served: its gate and, for a dataset, the file whose hash is watched.
struct Entry {
    gate: Arc<Gate>,
    watched: Option<Watched>,
}

/// A dataset file and whether it currently matches its asset's content hash.
struct Watched {
    file: PathBuf,
    content_hash: [u8; 32],
    in_service: AtomicBool,
}

/// The assets served, by address.
pub struct Catalogue {
    entries: HashMap<Pubkey, Entry>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A refusal in the gate's JSON shape.
fn refusal(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// Reads and checks the manifest (not the chain): each entry's asset and content.
fn read_manifest(path: &FsPath) -> Result<Vec<(Pubkey, ManifestEntry)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TesseraError::Invalid(format!("cannot read --catalogue `{}`: {e}", path.display())))?;
    let bad = |e: String| TesseraError::Invalid(format!("invalid --catalogue `{}`: {e}", path.display()));
    let manifest: Manifest = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?
    } else {
        toml::from_str(&text).map_err(|e| bad(e.to_string()))?
    };
    if manifest.assets.is_empty() {
        return Err(bad("it lists no [[asset]]".into()));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(manifest.assets.len());
    for entry in manifest.assets {
        let asset = parse::pubkey("asset address", &entry.address).map_err(|e| bad(e.to_string()))?;
        if !seen.insert(asset) {
            return Err(bad(format!("asset {asset} is listed twice")));
        }
        if entry.file.is_some() && entry.upstream.is_some() {
            return Err(bad(format!("asset {asset} has both a file and an upstream")));
        }
        out.push((asset, entry));
    }
    Ok(out)
}

impl Catalogue {
    /// Reads the manifest, reads every asset on chain, checks every file's hash (refusing to
    /// start on a mismatch) and builds one gate per asset.
    fn open(s: &Settings, a: &ServeArgs, manifest: &FsPath, domain: &str) -> Result<Self> {
        let entries = read_manifest(manifest)?;
        let base = manifest.parent().unwrap_or_else(|| FsPath::new("."));
        let mut out = HashMap::with_capacity(entries.len());
        let live = live_view(s, a.ws_url.as_deref())?;
        for (asset, entry) in entries {
            let chain = Tessera::new(&s.url, solana_keypair::Keypair::new(), s.commitment);
            let account = chain.asset(&asset)?;
            let (content, watched) = match (&entry.file, &entry.upstream) {
                (_, Some(url)) => (upstream_content(url, a.upstream_timeout)?, None),
                (file, None) => {
                    let file = match file {
                        Some(f) if f.is_absolute() => f.clone(),
                        Some(f) => base.join(f),
                        None => base.join(parse::to_hex(&account.content_hash)),
                    };
                    check_file(&file, &asset, &account.content_hash)?;
                    let watched = Watched {
                        file: file.clone(),
                        content_hash: account.content_hash,
                        in_service: AtomicBool::new(true),
                    };
                    (Content::File(file), Some(watched))
                }
            };
            // One store file for every gate (as the single-asset gate uses), so redemptions
            // counted before a move to a catalogue stay counted; rows are keyed by asset.
            let store = RedeemStore::open(&a.data_dir.join("redeemed.sqlite3"))?;
            // As a single-asset gate: access checked against the websocket-fed view, one view
            // (one connection) watching every asset of the catalogue.
            live.watch(asset, &account);
            let gate = Gate::new(
                domain.to_string(),
                asset,
                account,
                chain,
                content,
                entry.consumable,
                store,
                a.nonce_ttl,
            )
            .with_live(live.clone());
            out.insert(
                asset,
                Entry {
                    gate: Arc::new(gate),
                    watched,
                },
            );
        }
        Ok(Self { entries: out })
    }

    /// Re-hashes every file once; takes a mismatching file out of service and puts a matching
    /// one back, logging each change. Returns how many files are out of service.
    fn rehash(&self) -> usize {
        let mut out = 0;
        for (asset, w) in self.entries.iter().filter_map(|(k, e)| Some((k, e.watched.as_ref()?))) {
            let now_ok = match check_file(&w.file, asset, &w.content_hash) {
                Ok(()) => true,
                Err(e) => {
                    if w.in_service.load(Ordering::Relaxed) {
                        eprintln!("{} catalogue: asset {asset} out of service: {e}", now());
                    }
                    false
                }
            };
            let was_ok = w.in_service.swap(now_ok, Ordering::Relaxed);
            if now_ok && !was_ok {
                eprintln!(
                    "{} catalogue: asset {asset} back in service: `{}` matches its content hash again",
                    now(),
                    w.file.display()
                );
            }
            out += usize::from(!now_ok);
        }
        out
    }

    /// The gate of the asset in the path, or the refusal: `400` for an undecodable path, the
    /// gate's `404 unknown_asset` for an asset not served, `503 content_mismatch` for a file
    /// out of service.
    fn route(&self, asset: PathArg) -> std::result::Result<(Arc<Gate>, String), Response> {
        let Path(text) = asset.map_err(|e| {
            refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("the asset in the path is not a valid address: {}", e.body_text()),
            )
        })?;
        let entry = Pubkey::from_str(&text)
            .ok()
            .and_then(|k| self.entries.get(&k))
            .ok_or_else(|| {
                refusal(
                    StatusCode::NOT_FOUND,
                    "unknown_asset",
                    format!("this server does not serve asset `{text}`"),
                )
            })?;
        if let Some(w) = entry.watched.as_ref().filter(|w| !w.in_service.load(Ordering::Relaxed)) {
            return Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "content_mismatch",
                format!(
                    "asset {text} is out of service: its file no longer matches the asset's content hash ({})",
                    parse::to_hex(&w.content_hash)
                ),
            ));
        }
        Ok((entry.gate.clone(), text))
    }
}

async fn challenge(State(c): State<Arc<Catalogue>>, asset: PathArg) -> Response {
    match c.route(asset) {
        Ok((g, a)) => gate::challenge(State(g), Ok(Path(a))).await,
        Err(r) => r,
    }
}

async fn data(State(c): State<Arc<Catalogue>>, asset: PathArg, req: Request) -> Response {
    match c.route(asset) {
        Ok((g, a)) => gate::data(State(g), Ok(Path(a)), req).await,
        Err(r) => r,
    }
}

async fn infer(State(c): State<Arc<Catalogue>>, asset: PathArg, req: Request) -> Response {
    match c.route(asset) {
        Ok((g, a)) => gate::infer(State(g), Ok(Path(a)), req).await,
        Err(r) => r,
    }
}

/// `tessera serve --catalogue MANIFEST`.
pub fn run(s: &Settings, a: &ServeArgs, manifest: &FsPath) -> Result<()> {
    std::fs::create_dir_all(&a.data_dir)
        .map_err(|e| TesseraError::Invalid(format!("cannot create --data-dir `{}`: {e}", a.data_dir.display())))?;
    let cors = cors::origins(&a.cors_origins)?;
    let domain = a.domain.clone().unwrap_or_else(|| a.bind.to_string());
    let catalogue = Arc::new(Catalogue::open(s, a, manifest, &domain)?);
    let files = catalogue.entries.values().filter(|e| e.watched.is_some()).count();
    if files > 0 {
        let (c, every) = (catalogue.clone(), Duration::from_secs(a.rehash_interval));
        std::thread::Builder::new()
            .name("catalogue-rehash".into())
            .spawn(move || loop {
                std::thread::sleep(every);
                c.rehash();
            })
            .map_err(|e| TesseraError::Invalid(format!("cannot start the re-hash thread: {e}")))?;
    }
    let app = Router::new()
        .route("/v1/assets/{asset}/challenge", get(challenge))
        .route("/v1/assets/{asset}/data", get(data))
        .route("/v1/assets/{asset}/infer", post(infer))
        .fallback(gate::not_found)
        .method_not_allowed_fallback(gate::method_not_allowed)
        .with_state(catalogue.clone());
    let banner = format!(
        "tessera serve: catalogue of {} assets ({files} files, re-hashed every {} s) on http://{{local}} (domain {domain})",
        catalogue.entries.len(),
        a.rehash_interval
    );
    listen(a.bind, cors::apply(app, cors), banner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tessera-catalogue-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_manifest_reads_as_toml_or_json_and_refuses_what_it_cannot_serve() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let toml = write(
            "m.toml",
            &format!(
                "[[asset]]\naddress = \"{a}\"\nfile = \"x.bin\"\n\n[[asset]]\naddress = \"{b}\"\nupstream = \"http://h/\"\nconsumable = true\n"
            ),
        );
        let entries = read_manifest(&toml).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0, a);
        assert_eq!(entries[0].1.file.as_deref(), Some(FsPath::new("x.bin")));
        assert!(entries[1].1.consumable && entries[1].1.upstream.is_some());
        let json = write("m.json", &format!("{{\"asset\": [{{\"address\": \"{a}\"}}]}}"));
        let entries = read_manifest(&json).unwrap();
        assert!(entries[0].1.file.is_none() && entries[0].1.upstream.is_none());

        let refused = |name: &str, text: String, what: &str| {
            let e = read_manifest(&write(name, &text)).err().expect("refused").to_string();
            assert!(e.contains(what), "{e}");
        };
        refused(
            "twice.toml",
            format!("[[asset]]\naddress = \"{a}\"\n[[asset]]\naddress = \"{a}\"\n"),
            "listed twice",
        );
        refused(
            "both.toml",
            format!("[[asset]]\naddress = \"{a}\"\nfile = \"f\"\nupstream = \"http://h/\"\n"),
            "both a file and an upstream",
        );
        refused(
            "typo.toml",
            format!("[[asset]]\naddress = \"{a}\"\nfiel = \"f\"\n"),
            "unknown field",
        );
        refused(
            "bad.toml",
            "[[asset]]\naddress = \"nope\"\n".into(),
            "invalid asset address",
        );
        refused("empty.toml", String::new(), "no [[asset]]");
    }
}
