//! `tessera publish dataset|model`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use tessera_client::{
    amount, parse,
    registry::{
        instructions::PublishAssetArgs,
        state::{AssetKind, License},
    },
    Result, Tessera, TesseraError,
};

use super::key;
use crate::output::{with_spinner, Format, Report, Sent};

#[derive(Subcommand)]
pub enum PublishCmd {
    /// Publish a dataset
    Dataset(PublishArgs),
    /// Publish a model (with --parents, the datasets it was trained on)
    Model(PublishArgs),
}

#[derive(Args)]
pub struct PublishArgs {
    /// The artifact: its SHA-256 is the content hash (streamed; any size)
    #[arg(long, conflicts_with = "hash", required_unless_present = "hash")]
    file: Option<PathBuf>,
    /// The content hash (64 hex characters), instead of --file
    #[arg(long)]
    hash: Option<String>,
    /// Metadata URI (≤ 200 bytes)
    #[arg(long)]
    uri: String,
    /// Unit price in UI units of --mint (e.g. 1.5); 0 = free (one pass per wallet)
    #[arg(allow_hyphen_values = true, long)]
    price: String,
    /// Payment mint (must be allowed by the registry)
    #[arg(long)]
    mint: String,
    /// Max supply of access tokens (0 = unlimited)
    #[arg(long, default_value_t = 0)]
    supply: u64,
    /// Access per token: seconds or 90m / 24h / 30d, or perpetual
    #[arg(long, default_value = "perpetual")]
    duration: String,
    /// none, or comma list of commercial, fine-tuning, redistribution
    #[arg(long, default_value = "none")]
    license: String,
    /// License text or URI (its SHA-256 is recorded)
    #[arg(long, default_value = "")]
    license_uri: String,
    /// Royalty split ADDRESS:BPS,… summing to 10000 [default: the wallet, 10000]
    #[arg(long)]
    split: Option<String>,
    /// Models: parent assets ASSET:BPS,… (≤ 8, Σ ≤ 5000)
    #[arg(long)]
    parents: Option<String>,
    /// Models: share of each paid inference for this asset's split, in bps (≤ 5000)
    #[arg(long, default_value_t = 0)]
    inference_royalty_bps: u16,
    /// Inference jobs require a valid pass
    #[arg(long)]
    gated: bool,
    /// The asset this one supersedes
    #[arg(long)]
    previous: Option<String>,
}

/// `publish`: the asset created and its accounts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub asset: String,
    pub access_mint: String,
    pub split: String,
    pub content_hash: String,
}

pub fn run(t: &Tessera, cmd: PublishCmd, format: Format) -> Result<Report> {
    let (kind, a) = match cmd {
        PublishCmd::Dataset(a) => (AssetKind::Dataset, a),
        PublishCmd::Model(a) => (AssetKind::Model, a),
    };
    if kind == AssetKind::Dataset && a.parents.is_some() {
        return Err(TesseraError::Invalid("--parents is for models only".into()));
    }
    let mint = key("mint", &a.mint)?;
    let recipients = match &a.split {
        Some(s) => parse::split(s)?,
        None => parse::split(&format!("{}:10000", t.wallet()))?,
    };
    let parents = a
        .parents
        .as_deref()
        .map(parse::parents)
        .transpose()?
        .unwrap_or_default();
    let duration = parse::duration(&a.duration)?;
    let flags = parse::license_flags(&a.license)?;
    let previous = a.previous.as_deref().map(|p| key("previous asset", p)).transpose()?;
    let content_hash = parse::hash_or_file(a.hash.as_deref(), a.file.as_deref())?;
    if a.uri.is_empty() || a.uri.len() > 200 {
        return Err(TesseraError::Invalid(format!(
            "invalid --uri `{}`: expected 1 to 200 bytes",
            a.uri
        )));
    }
    let (decimals, _) = t.mint_info(&mint)?;
    // 0 publishes a free asset: one pass per wallet, claimed by `tessera buy`.
    let price = amount::parse_ui_amount(&a.price, decimals)?;
    let args = PublishAssetArgs {
        kind,
        content_hash,
        uri: a.uri,
        license: License {
            flags,
            terms_hash: parse::hash_str(&a.license_uri),
        },
        price,
        max_supply: a.supply,
        access_duration: duration,
        inference_royalty_bps: a.inference_royalty_bps,
        inference_gated: a.gated,
        parents,
        recipients,
    };
    let (asset, sig) = with_spinner(format, "publishing", || t.publish(&mint, previous, args))?;
    let a = t.asset(&asset)?;
    Ok(Sent::new(
        "publish",
        sig,
        Published {
            asset: asset.to_string(),
            access_mint: a.access_mint.to_string(),
            split: a.split.to_string(),
            content_hash: parse::to_hex(&a.content_hash),
        },
    )
    .into())
}
