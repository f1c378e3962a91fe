//! `tessera buy`, `tessera redeem`, `tessera revoke`.

use clap::Args;
use serde::Serialize;
use tessera_client::{amount, pda, Result, Tessera, TOKEN_PROGRAM_ID};

use super::key;
use crate::output::{with_spinner, Format, Report, Sent};

#[derive(Args)]
pub struct BuyArgs {
    asset: String,
    /// Access tokens to buy
    #[arg(long, default_value_t = 1)]
    quantity: u64,
    /// Price guard: the highest unit price accepted, in UI units [default: the current price]
    #[arg(allow_hyphen_values = true, long)]
    max_price: Option<String>,
    /// Duration guard: the shortest access per token accepted (e.g. 3600, 30d, or `perpetual`:
    /// only a perpetual asset; a perpetual asset always passes) [default: the current duration]
    #[arg(long)]
    min_duration: Option<String>,
}

#[derive(Args)]
pub struct RedeemArgs {
    asset: String,
    #[arg(long, default_value_t = 1)]
    quantity: u64,
}

#[derive(Args)]
pub struct RevokeArgs {
    asset: String,
    holder: String,
    /// A reason code recorded in the event
    #[arg(long, default_value_t = 0)]
    reason: u16,
}

/// `buy`: what was bought and the wallet's pass after it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bought {
    pub asset: String,
    pub quantity: u64,
    /// The price paid at the asset's price, in UI units.
    pub paid: String,
    pub pass: String,
    pub expires_at: Option<i64>,
    pub perpetual: bool,
    pub access_tokens: u64,
}

/// `redeem`: the access tokens left.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redeemed {
    pub asset: String,
    pub quantity: u64,
    pub access_tokens: u64,
}

/// `revoke`: whose pass, and the reason code recorded.
#[derive(Debug, Serialize)]
pub struct Revoked {
    pub asset: String,
    pub holder: String,
    pub reason: u16,
}

pub fn buy(t: &Tessera, a: BuyArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let asset = t.asset(&k)?;
    let (decimals, _) = t.mint_info(&asset.payment_mint)?;
    let max = match &a.max_price {
        Some(p) => amount::parse_ui_amount(p, decimals)?,
        None => asset.price,
    };
    let min_duration = match &a.min_duration {
        Some(d) if d.trim().eq_ignore_ascii_case("perpetual") => u64::MAX,
        Some(d) => tessera_client::parse::duration(d)?,
        None if asset.access_duration == 0 => u64::MAX,
        None => asset.access_duration,
    };
    let sig = with_spinner(format, "buying access", || t.buy(&k, a.quantity, max, min_duration))?;
    let pass = t.access(&k, &t.wallet())?;
    Ok(Sent::new(
        "buy",
        sig,
        Bought {
            asset: k.to_string(),
            quantity: a.quantity,
            paid: amount::format_ui_amount(asset.price.saturating_mul(a.quantity), decimals),
            pass: pda::pass(&k, &t.wallet()).to_string(),
            expires_at: pass.expires_at,
            perpetual: pass.perpetual,
            access_tokens: pass.balance,
        },
    )
    .into())
}

pub fn redeem(t: &Tessera, a: RedeemArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let sig = with_spinner(format, "redeeming", || t.redeem(&k, a.quantity))?;
    let mint = pda::access_mint(&k);
    let left = t.token_balance(&pda::ata(&t.wallet(), &mint, &TOKEN_PROGRAM_ID))?;
    Ok(Sent::new(
        "redeem",
        sig,
        Redeemed {
            asset: k.to_string(),
            quantity: a.quantity,
            access_tokens: left,
        },
    )
    .into())
}

pub fn revoke(t: &Tessera, a: RevokeArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let holder = key("holder", &a.holder)?;
    let sig = with_spinner(format, "revoking", || t.revoke(&k, &holder, a.reason))?;
    Ok(Sent::new(
        "revoke",
        sig,
        Revoked {
            asset: k.to_string(),
            holder: holder.to_string(),
            reason: a.reason,
        },
    )
    .into())
}
