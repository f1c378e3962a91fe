//! `tessera buy`, `tessera redeem`, `tessera revoke`.

use clap::Args;
use serde_json::json;
use tessera_client::{amount, pda, Result, Tessera, TOKEN_PROGRAM_ID};

use super::{key, sent};
use crate::output::{with_spinner, Format, Report};

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
    Ok(sent(
        "buy",
        sig,
        json!({
            "asset": k.to_string(),
            "quantity": a.quantity,
            "paid": amount::format_ui_amount(asset.price.saturating_mul(a.quantity), decimals),
            "pass": pda::pass(&k, &t.wallet()).to_string(),
            "expiresAt": pass.expires_at,
            "perpetual": pass.perpetual,
            "accessTokens": pass.balance,
        }),
    ))
}

pub fn redeem(t: &Tessera, a: RedeemArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let sig = with_spinner(format, "redeeming", || t.redeem(&k, a.quantity))?;
    let mint = pda::access_mint(&k);
    let left = t.token_balance(&pda::ata(&t.wallet(), &mint, &TOKEN_PROGRAM_ID))?;
    Ok(sent(
        "redeem",
        sig,
        json!({ "asset": k.to_string(), "quantity": a.quantity, "accessTokens": left }),
    ))
}

pub fn revoke(t: &Tessera, a: RevokeArgs, format: Format) -> Result<Report> {
    let k = key("asset", &a.asset)?;
    let holder = key("holder", &a.holder)?;
    let sig = with_spinner(format, "revoking", || t.revoke(&k, &holder, a.reason))?;
    Ok(sent(
        "revoke",
        sig,
        json!({ "asset": k.to_string(), "holder": holder.to_string(), "reason": a.reason }),
    ))
}
