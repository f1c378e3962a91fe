//! Asset metadata documents: the JSON at each asset's URI (`ar://`, `ipfs://` through
//! configurable gateways; `https://` and `http://` as they are), whose `name`, `description`
//! and `tags` are stored for search. A failed fetch is retried on later passes (3 attempts).

use std::time::Duration;

use serde::Deserialize;
use sqlx::Row;

use crate::{Db, Result};

#[derive(Debug, Clone)]
pub struct MetadataConfig {
    /// Prefix an `ar://ID` URI's `ID` is appended to.
    pub arweave_gateway: String,
    /// Prefix an `ipfs://CID/PATH` URI's `CID/PATH` is appended to.
    pub ipfs_gateway: String,
    /// Per-document timeout.
    pub timeout: Duration,
    /// Largest document read, in bytes.
    pub max_bytes: usize,
    /// Fetch at all (off: metadata stays `pending`).
    pub enabled: bool,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        Self {
            arweave_gateway: "https://arweave.net/".into(),
            ipfs_gateway: "https://ipfs.io/ipfs/".into(),
            timeout: Duration::from_secs(10),
            max_bytes: 256 * 1024,
            enabled: true,
        }
    }
}

/// Attempts before a document is left in `error`.
pub const MAX_ATTEMPTS: i64 = 3;

pub(crate) fn client(cfg: &MetadataConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(cfg.timeout)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The HTTP(S) URL a metadata URI is fetched from, or `None` for a scheme not served.
pub fn resolve(uri: &str, cfg: &MetadataConfig) -> Option<String> {
    if let Some(id) = uri.strip_prefix("ar://") {
        Some(format!("{}{id}", cfg.arweave_gateway))
    } else if let Some(path) = uri.strip_prefix("ipfs://") {
        let path = path.strip_prefix("ipfs/").unwrap_or(path);
        Some(format!("{}{path}", cfg.ipfs_gateway))
    } else if uri.starts_with("https://") || uri.starts_with("http://") {
        Some(uri.to_string())
    } else {
        None
    }
}

/// The fields read from a metadata document (others are ignored).
#[derive(Debug, Deserialize, Default)]
pub struct Document {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

async fn get(http: &reqwest::Client, url: &str, max: usize) -> std::result::Result<Document, String> {
    let mut resp = http.get(url).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(format!("larger than {max} bytes"));
        }
    }
    serde_json::from_slice(&body).map_err(|e| format!("not a metadata document: {e}"))
}

/// Fetches up to `limit` pending documents (and failed ones with attempts left); returns how
/// many were tried.
pub async fn fetch_pending(db: &Db, http: &reqwest::Client, cfg: &MetadataConfig, limit: i64) -> Result<usize> {
    if !cfg.enabled {
        return Ok(0);
    }
    let rows = sqlx::query(
        "SELECT address, uri FROM assets WHERE meta_status = 'pending' OR (meta_status = 'error' AND meta_attempts < $1) \
         ORDER BY published_slot LIMIT $2",
    )
    .bind(MAX_ATTEMPTS)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut n = 0;
    for r in rows {
        let address: String = r.try_get("address")?;
        let uri: String = r.try_get("uri")?;
        n += 1;
        let Some(url) = resolve(&uri, cfg) else {
            sqlx::query(
                "UPDATE assets SET meta_status = 'unsupported', meta_error = $2 WHERE address = $1 AND uri = $3",
            )
            .bind(&address)
            .bind(format!("no gateway for `{uri}`"))
            .bind(&uri)
            .execute(&db.pool)
            .await?;
            continue;
        };
        // `AND uri = $…`: an update of the URI meanwhile re-queued the asset; keep that.
        match get(http, &url, cfg.max_bytes).await {
            Ok(doc) => {
                sqlx::query(
                    "UPDATE assets SET meta_status = 'ok', meta_name = $2, meta_description = $3, meta_tags = $4, \
                     meta_error = NULL, meta_fetched_at = $5, meta_attempts = meta_attempts + 1 \
                     WHERE address = $1 AND uri = $6",
                )
                .bind(&address)
                .bind(doc.name)
                .bind(doc.description)
                .bind(doc.tags.join(","))
                .bind(now)
                .bind(&uri)
                .execute(&db.pool)
                .await?;
            }
            Err(e) => {
                sqlx::query(
                    "UPDATE assets SET meta_status = 'error', meta_error = $2, meta_fetched_at = $3, \
                     meta_attempts = meta_attempts + 1 WHERE address = $1 AND uri = $4",
                )
                .bind(&address)
                .bind(format!("{url}: {e}"))
                .bind(now)
                .bind(&uri)
                .execute(&db.pool)
                .await?;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateways() {
        let cfg = MetadataConfig {
            arweave_gateway: "http://127.0.0.1:1/ar/".into(),
            ipfs_gateway: "https://gw.example/ipfs/".into(),
            ..MetadataConfig::default()
        };
        assert_eq!(
            resolve("ar://abc/x.json", &cfg).unwrap(),
            "http://127.0.0.1:1/ar/abc/x.json"
        );
        assert_eq!(
            resolve("ipfs://bafy/m.json", &cfg).unwrap(),
            "https://gw.example/ipfs/bafy/m.json"
        );
        assert_eq!(
            resolve("ipfs://ipfs/bafy", &cfg).unwrap(),
            "https://gw.example/ipfs/bafy"
        );
        assert_eq!(
            resolve("https://a.example/m.json", &cfg).unwrap(),
            "https://a.example/m.json"
        );
        assert_eq!(resolve("s3://bucket/m.json", &cfg), None);
    }
}
