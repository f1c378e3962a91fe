//! `tessera assets list|show`, `tessera update`, `tessera delist|relist|retire`.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use tessera_client::{
    amount, parse,
    registry::{
        instructions::UpdateAssetArgs,
        state::{Asset, AssetKind, AssetState},
    },
    rpc::AssetFilter,
    Pubkey, Result, Tessera,
};

use super::{key, sent};
use crate::output::{fields, table, with_spinner, Format, Report};

#[derive(Subcommand)]
pub enum AssetsCmd {
    /// List assets (filters are applied by the RPC node)
    List {
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        #[arg(long)]
        publisher: Option<String>,
        /// Payment mint
        #[arg(long)]
        mint: Option<String>,
    },
    /// Show one asset
    Show { asset: String },
}

#[derive(Args)]
pub struct UpdateArgs {
    asset: String,
    #[arg(long)]
    uri: Option<String>,
    /// Unit price in UI units
    #[arg(allow_hyphen_values = true, long)]
    price: Option<String>,
    /// seconds, 90m, 24h, 30d or perpetual
    #[arg(long)]
    duration: Option<String>,
    /// 0 = unlimited
    #[arg(long)]
    supply: Option<u64>,
    #[arg(long)]
    inference_royalty_bps: Option<u16>,
    #[arg(long)]
    gated: Option<bool>,
}

/// `--kind`: an asset kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Dataset,
    Model,
}

impl From<KindArg> for AssetKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Dataset => AssetKind::Dataset,
            KindArg::Model => AssetKind::Model,
        }
    }
}

/// A publisher's change of an asset's state: `tessera delist|relist|retire`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateChange {
    Delist,
    Relist,
    Retire,
}

impl StateChange {
    pub fn name(self) -> &'static str {
        match self {
            StateChange::Delist => "delist",
            StateChange::Relist => "relist",
            StateChange::Retire => "retire",
        }
    }
}

pub fn kind_name(k: AssetKind) -> &'static str {
    match k {
        AssetKind::Dataset => "dataset",
        AssetKind::Model => "model",
    }
}

pub fn state_name(s: AssetState) -> &'static str {
    match s {
        AssetState::Listed => "listed",
        AssetState::Delisted => "delisted",
        AssetState::Retired => "retired",
    }
}

/// The documented JSON form of an asset (amounts in base units and UI units).
pub fn asset_json(key: &Pubkey, a: &Asset, decimals: u8) -> Value {
    json!({
        "address": key.to_string(),
        "kind": kind_name(a.kind),
        "state": state_name(a.state),
        "publisher": a.publisher.to_string(),
        "uri": a.uri,
        "contentHash": parse::to_hex(&a.content_hash),
        "accessMint": a.access_mint.to_string(),
        "paymentMint": a.payment_mint.to_string(),
        "price": a.price,
        "priceUi": amount::format_ui_amount(a.price, decimals),
        "maxSupply": a.max_supply,
        "sold": a.sold,
        "sales": a.sales,
        "accessDuration": a.access_duration,
        "license": parse::license_names(a.license.flags),
        "inferenceRoyaltyBps": a.inference_royalty_bps,
        "inferenceGated": a.inference_gated,
        "split": a.split.to_string(),
        "parents": a.parents.iter().map(|p| json!({ "asset": p.asset.to_string(), "bps": p.bps })).collect::<Vec<_>>(),
        "previousVersion": a.previous_version.map(|k| k.to_string()),
        "successor": a.successor.map(|k| k.to_string()),
    })
}

pub fn run(t: &Tessera, cmd: AssetsCmd) -> Result<Report> {
    match cmd {
        AssetsCmd::List { kind, publisher, mint } => {
            let filter = AssetFilter {
                kind: kind.map(AssetKind::from),
                publisher: publisher.as_deref().map(|p| key("publisher", p)).transpose()?,
                payment_mint: mint.as_deref().map(|m| key("mint", m)).transpose()?,
            };
            let assets = t.list_assets(&filter)?;
            let mut rows = vec![];
            let mut items = vec![];
            for (k, a) in &assets {
                let decimals = t.mint_info(&a.payment_mint).map(|m| m.0).unwrap_or(0);
                items.push(asset_json(k, a, decimals));
                rows.push(vec![
                    k.to_string(),
                    kind_name(a.kind).into(),
                    state_name(a.state).into(),
                    amount::format_ui_amount(a.price, decimals),
                    a.sold.to_string(),
                    a.uri.clone(),
                ]);
            }
            let human = if rows.is_empty() {
                "no assets".to_string()
            } else {
                table(&["ASSET", "KIND", "STATE", "PRICE", "SOLD", "URI"], &rows)
            };
            Ok(Report::new(json!({ "assets": items }), human))
        }
        AssetsCmd::Show { asset } => {
            let k = key("asset", &asset)?;
            let a = t.asset(&k)?;
            let (decimals, _) = t.mint_info(&a.payment_mint)?;
            let json = asset_json(&k, &a, decimals);
            let mut rows = vec![
                ("asset", k.to_string()),
                ("kind", kind_name(a.kind).into()),
                ("state", state_name(a.state).into()),
                ("publisher", a.publisher.to_string()),
                ("uri", a.uri.clone()),
                ("content hash", parse::to_hex(&a.content_hash)),
                (
                    "price",
                    format!("{} ({})", amount::format_ui_amount(a.price, decimals), a.payment_mint),
                ),
                (
                    "supply",
                    if a.max_supply == 0 {
                        format!("{} sold, unlimited", a.sold)
                    } else {
                        format!("{} of {} sold", a.sold, a.max_supply)
                    },
                ),
                (
                    "access",
                    if a.access_duration == 0 {
                        "perpetual".into()
                    } else {
                        format!("{} s per token", a.access_duration)
                    },
                ),
                ("license", parse::license_names(a.license.flags).join(", ")),
                ("access mint", a.access_mint.to_string()),
                ("split", a.split.to_string()),
                (
                    "inference",
                    format!(
                        "royalty {} bps{}",
                        a.inference_royalty_bps,
                        if a.inference_gated { ", pass required" } else { "" }
                    ),
                ),
            ];
            for p in &a.parents {
                rows.push(("parent", format!("{} ({} bps)", p.asset, p.bps)));
            }
            if let Some(prev) = a.previous_version {
                rows.push(("supersedes", prev.to_string()));
            }
            if let Some(next) = a.successor {
                rows.push(("superseded by", next.to_string()));
            }
            Ok(Report::new(json, fields(&rows)))
        }
    }
}

pub fn update(t: &Tessera, a: UpdateArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let asset = t.asset(&k)?;
    let (decimals, _) = t.mint_info(&asset.payment_mint)?;
    let args = UpdateAssetArgs {
        uri: a.uri,
        price: a
            .price
            .as_deref()
            .map(|p| amount::parse_ui_amount(p, decimals))
            .transpose()?,
        access_duration: a.duration.as_deref().map(parse::duration).transpose()?,
        max_supply: a.supply,
        inference_royalty_bps: a.inference_royalty_bps,
        inference_gated: a.gated,
    };
    let sig = with_spinner(format, "updating", || t.update_asset(&k, args))?;
    Ok(sent("update", sig, json!({ "asset": k.to_string() })))
}

pub fn set_state(t: &Tessera, change: StateChange, asset: &str, format: Format) -> Result<Report> {
    let k = key("asset", asset)?;
    let sig = with_spinner(format, change.name(), || match change {
        StateChange::Delist => t.delist(&k),
        StateChange::Relist => t.relist(&k),
        StateChange::Retire => t.retire(&k),
    })?;
    let state = state_name(t.asset(&k)?.state);
    Ok(sent(
        change.name(),
        sig,
        json!({ "asset": k.to_string(), "state": state }),
    ))
}
