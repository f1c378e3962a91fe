//! `tessera access check ASSET [--holder]`.

use clap::Subcommand;
use tessera_client::{Result, Tessera};

use super::key;
use crate::output::{fields, Report};

#[derive(Subcommand)]
pub enum AccessCmd {
    /// Check a holder's access with `verify_access`'s rules (exit code 0 either way; see "valid")
    Check {
        asset: String,
        /// [default: the wallet]
        #[arg(long)]
        holder: Option<String>,
    },
    /// Sign an access gate challenge with the wallet (prints the proof headers)
    Sign {
        asset: String,
        /// The server's domain (from the challenge)
        #[arg(long)]
        domain: String,
        #[arg(long)]
        nonce: String,
        /// The challenge's expiry (unix seconds)
        #[arg(long)]
        expires: i64,
    },
}

pub fn run(t: &Tessera, cmd: AccessCmd) -> Result<Report> {
    let (asset, holder) = match cmd {
        AccessCmd::Check { asset, holder } => (asset, holder),
        AccessCmd::Sign {
            asset,
            domain,
            nonce,
            expires,
        } => {
            let asset = key("asset", &asset)?;
            let sig = tessera_client::proof::sign(&t.payer, &domain, &asset, &nonce, expires).to_string();
            let holder = t.wallet().to_string();
            let json = serde_json::json!({ "holder": holder, "nonce": nonce, "signature": sig });
            let human = format!("X-Tessera-Holder: {holder}\nX-Tessera-Nonce: {nonce}\nX-Tessera-Signature: {sig}");
            return Ok(Report::new(json, human));
        }
    };
    let asset = key("asset", &asset)?;
    let holder = holder
        .as_deref()
        .map(|h| key("holder", h))
        .transpose()?
        .unwrap_or(t.wallet());
    let r = t.access(&asset, &holder)?;
    let json = serde_json::to_value(&r).expect("serializable");
    let human = fields(&[
        ("asset", r.asset.clone()),
        ("holder", r.holder.clone()),
        (
            "access",
            if r.valid {
                "valid".into()
            } else {
                format!("refused ({})", r.reason.map_or("", |d| d.name()))
            },
        ),
        (
            "expires",
            if r.perpetual {
                "never".into()
            } else {
                r.expires_at.map_or("-".into(), |e| format!("{e} (now {})", r.now))
            },
        ),
        ("access tokens", r.balance.to_string()),
    ]);
    Ok(Report::new(json, human))
}
