//! `tessera assets list|show`, `tessera update`, `tessera delist|relist|retire`.

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use tessera_client::{
    amount, parse,
    registry::{
        instructions::UpdateAssetArgs,
        state::{Asset, AssetKind, AssetState},
    },
    rpc::AssetFilter,
    Pubkey, Result, Tessera,
};

use super::key;
use crate::output::{fields, table, with_spinner, CommandOutput, Format, Report, Sent};

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

/// An asset as `assets show` prints it and `assets list` lists it (amounts in base units and UI
/// units).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetView {
    pub address: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub publisher: String,
    pub uri: String,
    pub content_hash: String,
    pub access_mint: String,
    pub payment_mint: String,
    /// The unit price in base units of the payment mint.
    pub price: u64,
    pub price_ui: String,
    /// 0 = unlimited.
    pub max_supply: u64,
    pub sold: u64,
    pub sales: u64,
    /// Seconds of access per token; 0 = perpetual.
    pub access_duration: u64,
    pub license: Vec<&'static str>,
    pub inference_royalty_bps: u16,
    pub inference_gated: bool,
    pub split: String,
    pub parents: Vec<ParentView>,
    pub previous_version: Option<String>,
    pub successor: Option<String>,
}

/// A model's parent asset and its share of each sale.
#[derive(Debug, Serialize)]
pub struct ParentView {
    pub asset: String,
    pub bps: u16,
}

impl AssetView {
    pub fn new(key: &Pubkey, a: &Asset, decimals: u8) -> Self {
        AssetView {
            address: key.to_string(),
            kind: kind_name(a.kind),
            state: state_name(a.state),
            publisher: a.publisher.to_string(),
            uri: a.uri.clone(),
            content_hash: parse::to_hex(&a.content_hash),
            access_mint: a.access_mint.to_string(),
            payment_mint: a.payment_mint.to_string(),
            price: a.price,
            price_ui: amount::format_ui_amount(a.price, decimals),
            max_supply: a.max_supply,
            sold: a.sold,
            sales: a.sales,
            access_duration: a.access_duration,
            license: parse::license_names(a.license.flags),
            inference_royalty_bps: a.inference_royalty_bps,
            inference_gated: a.inference_gated,
            split: a.split.to_string(),
            parents: a
                .parents
                .iter()
                .map(|p| ParentView {
                    asset: p.asset.to_string(),
                    bps: p.bps,
                })
                .collect(),
            previous_version: a.previous_version.map(|k| k.to_string()),
            successor: a.successor.map(|k| k.to_string()),
        }
    }
}

/// `assets show`: key/value lines.
impl CommandOutput for AssetView {
    fn human(&self) -> String {
        let mut rows = vec![
            ("asset", self.address.clone()),
            ("kind", self.kind.into()),
            ("state", self.state.into()),
            ("publisher", self.publisher.clone()),
            ("uri", self.uri.clone()),
            ("content hash", self.content_hash.clone()),
            ("price", format!("{} ({})", self.price_ui, self.payment_mint)),
            (
                "supply",
                if self.max_supply == 0 {
                    format!("{} sold, unlimited", self.sold)
                } else {
                    format!("{} of {} sold", self.sold, self.max_supply)
                },
            ),
            (
                "access",
                if self.access_duration == 0 {
                    "perpetual".into()
                } else {
                    format!("{} s per token", self.access_duration)
                },
            ),
            ("license", self.license.join(", ")),
            ("access mint", self.access_mint.clone()),
            ("split", self.split.clone()),
            (
                "inference",
                format!(
                    "royalty {} bps{}",
                    self.inference_royalty_bps,
                    if self.inference_gated { ", pass required" } else { "" }
                ),
            ),
        ];
        for p in &self.parents {
            rows.push(("parent", format!("{} ({} bps)", p.asset, p.bps)));
        }
        if let Some(prev) = &self.previous_version {
            rows.push(("supersedes", prev.clone()));
        }
        if let Some(next) = &self.successor {
            rows.push(("superseded by", next.clone()));
        }
        fields(&rows)
    }
}

/// `assets list`: `{"assets": [asset…]}`.
#[derive(Debug, Serialize)]
pub struct AssetList {
    pub assets: Vec<AssetView>,
}

impl CommandOutput for AssetList {
    fn human(&self) -> String {
        if self.assets.is_empty() {
            return "no assets".to_string();
        }
        let rows: Vec<Vec<String>> = self
            .assets
            .iter()
            .map(|a| {
                vec![
                    a.address.clone(),
                    a.kind.into(),
                    a.state.into(),
                    a.price_ui.clone(),
                    a.sold.to_string(),
                    a.uri.clone(),
                ]
            })
            .collect();
        table(&["ASSET", "KIND", "STATE", "PRICE", "SOLD", "URI"], &rows)
    }
}

/// `update`: the asset changed.
#[derive(Debug, Serialize)]
pub struct AssetUpdated {
    pub asset: String,
}

/// `delist|relist|retire`: the asset and its state after the change.
#[derive(Debug, Serialize)]
pub struct AssetStateChanged {
    pub asset: String,
    pub state: &'static str,
}

pub fn run(t: &Tessera, cmd: AssetsCmd) -> Result<Report> {
    match cmd {
        AssetsCmd::List { kind, publisher, mint } => {
            let filter = AssetFilter {
                kind: kind.map(AssetKind::from),
                publisher: publisher.as_deref().map(|p| key("publisher", p)).transpose()?,
                payment_mint: mint.as_deref().map(|m| key("mint", m)).transpose()?,
            };
            let assets = t
                .list_assets(&filter)?
                .iter()
                .map(|(k, a)| {
                    let decimals = t.mint_info(&a.payment_mint).map(|m| m.0).unwrap_or(0);
                    AssetView::new(k, a, decimals)
                })
                .collect();
            Ok(AssetList { assets }.into())
        }
        AssetsCmd::Show { asset } => {
            let k = key("asset", &asset)?;
            let a = t.asset(&k)?;
            let (decimals, _) = t.mint_info(&a.payment_mint)?;
            Ok(AssetView::new(&k, &a, decimals).into())
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
    Ok(Sent::new("update", sig, AssetUpdated { asset: k.to_string() }).into())
}

pub fn set_state(t: &Tessera, change: StateChange, asset: &str, format: Format) -> Result<Report> {
    let k = key("asset", asset)?;
    let sig = with_spinner(format, change.name(), || match change {
        StateChange::Delist => t.delist(&k),
        StateChange::Relist => t.relist(&k),
        StateChange::Retire => t.retire(&k),
    })?;
    let state = state_name(t.asset(&k)?.state);
    Ok(Sent::new(
        change.name(),
        sig,
        AssetStateChanged {
            asset: k.to_string(),
            state,
        },
    )
    .into())
}

/// `tessera sweep-fees ASSET…`: anyone may send it.
#[derive(Args)]
pub struct SweepFeesArgs {
    /// The assets whose fee vaults are swept (one transaction; at most about 10)
    #[arg(required = true, value_name = "ASSET")]
    assets: Vec<String>,
}

/// `sweep-fees`: what each asset's fee vault held and moved to the treasury (base units).
#[derive(Debug, Serialize)]
pub struct FeesSwept {
    pub swept: Vec<SweptVault>,
}

#[derive(Debug, Serialize)]
pub struct SweptVault {
    pub asset: String,
    pub amount: u64,
}

/// Moves the protocol fees accrued in each asset's fee vault to the registry's current treasury
/// (its associated accounts, created if missing). Permissionless; an empty vault is a no-op.
pub fn sweep_fees(t: &Tessera, a: SweepFeesArgs, format: Format) -> Result<Report> {
    let keys = a
        .assets
        .iter()
        .map(|k| key("asset", k))
        .collect::<Result<Vec<Pubkey>>>()?;
    let (amounts, sig) = with_spinner(format, "sweeping fees", || t.sweep_fees(&keys))?;
    let swept = keys
        .iter()
        .zip(amounts)
        .map(|(k, amount)| SweptVault {
            asset: k.to_string(),
            amount,
        })
        .collect();
    Ok(Sent::new("sweep-fees", sig, FeesSwept { swept }).into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tessera_client::registry::state::{License, ParentLink};

    use super::*;

    fn model() -> (Pubkey, Asset) {
        let key = Pubkey::new_unique();
        let asset = Asset {
            publisher: Pubkey::new_unique(),
            kind: AssetKind::Model,
            state: AssetState::Delisted,
            content_hash: [0xab; 32],
            access_mint: Pubkey::new_unique(),
            payment_mint: Pubkey::new_unique(),
            split: Pubkey::new_unique(),
            price: 1_500_000,
            max_supply: 0,
            sold: 3,
            sales: 2,
            access_duration: 0,
            license: License {
                flags: 3,
                terms_hash: [0; 32],
            },
            inference_royalty_bps: 1_000,
            inference_gated: true,
            published_at: 1_700_000_000,
            bump: 255,
            access_mint_bump: 254,
            fee_vault_bump: 253,
            previous_version: Some(Pubkey::new_unique()),
            successor: None,
            parents: vec![ParentLink {
                asset: Pubkey::new_unique(),
                split: Pubkey::new_unique(),
                bps: 2_000,
            }],
            uri: "ar://model.json".into(),
        };
        (key, asset)
    }

    /// The asset's JSON is the documented one: every field of the README's list, by the same
    /// name and encoding as the hand-built object it replaced.
    #[test]
    fn an_asset_serializes_to_the_documented_json() {
        let (k, a) = model();
        let view = AssetView::new(&k, &a, 6);
        let documented = json!({
            "address": k.to_string(),
            "kind": "model",
            "state": "delisted",
            "publisher": a.publisher.to_string(),
            "uri": "ar://model.json",
            "contentHash": "ab".repeat(32),
            "accessMint": a.access_mint.to_string(),
            "paymentMint": a.payment_mint.to_string(),
            "price": 1_500_000,
            "priceUi": "1.5",
            "maxSupply": 0,
            "sold": 3,
            "sales": 2,
            "accessDuration": 0,
            "license": ["commercial", "fine-tuning"],
            "inferenceRoyaltyBps": 1_000,
            "inferenceGated": true,
            "split": a.split.to_string(),
            "parents": [{ "asset": a.parents[0].asset.to_string(), "bps": 2_000 }],
            "previousVersion": a.previous_version.unwrap().to_string(),
            "successor": null,
        });
        assert_eq!(serde_json::to_value(&view).unwrap(), documented);
        let list = AssetList { assets: vec![view] };
        assert_eq!(serde_json::to_value(&list).unwrap(), json!({ "assets": [documented] }));
    }

    #[test]
    fn an_assets_human_rendering_shows_its_values() {
        let (k, a) = model();
        let view = AssetView::new(&k, &a, 6);
        let human = view.human();
        // The value of a `key  value` line.
        let value = |key: &str| {
            human
                .lines()
                .find_map(|l| l.strip_prefix(key).filter(|rest| rest.starts_with("  ")).map(str::trim))
                .unwrap_or_else(|| panic!("no `{key}` line in\n{human}"))
                .to_string()
        };
        assert_eq!(value("asset"), k.to_string());
        assert_eq!(value("price"), format!("1.5 ({})", a.payment_mint));
        assert_eq!(value("supply"), "3 sold, unlimited");
        assert_eq!(value("access"), "perpetual");
        assert_eq!(value("license"), "commercial, fine-tuning");
        assert_eq!(value("inference"), "royalty 1000 bps, pass required");
        assert_eq!(value("parent"), format!("{} (2000 bps)", a.parents[0].asset));
        assert_eq!(value("supersedes"), a.previous_version.unwrap().to_string());
        assert!(!human.contains("superseded by"));
        let list = AssetList { assets: vec![view] }.human();
        assert!(list.starts_with("ASSET"), "{list}");
        assert!(list.contains(&k.to_string()) && list.contains("model") && list.contains("1.5"));
        assert_eq!(AssetList { assets: vec![] }.human(), "no assets");
    }

    #[test]
    fn a_state_change_is_a_sent_transaction() {
        let out = Sent::new(
            StateChange::Retire.name(),
            "sig",
            AssetStateChanged {
                asset: "A".into(),
                state: state_name(AssetState::Retired),
            },
        );
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({ "action": "retire", "signature": "sig", "asset": "A", "state": "retired" })
        );
        assert_eq!(
            out.human(),
            "retire: confirmed\nsignature: sig\nasset: A\nstate: retired"
        );
    }
}
