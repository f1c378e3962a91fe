//! `tessera access check ASSET [--holder]`.

use clap::Subcommand;
use serde::Serialize;
use tessera_client::{rpc::AccessReport, Result, Tessera};

use super::key;
use crate::output::{fields, CommandOutput, Report};

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

/// `access sign`: the proof headers a gate expects.
#[derive(Debug, Serialize)]
pub struct AccessProof {
    pub holder: String,
    pub nonce: String,
    pub signature: String,
}

impl CommandOutput for AccessProof {
    fn human(&self) -> String {
        format!(
            "X-Tessera-Holder: {}\nX-Tessera-Nonce: {}\nX-Tessera-Signature: {}",
            self.holder, self.nonce, self.signature
        )
    }
}

/// `access check`: the client's [`AccessReport`] is the result (`asset`, `holder`, `valid`,
/// `reason`, `expiresAt`, `perpetual`, `balance`, `now`).
impl CommandOutput for AccessReport {
    fn human(&self) -> String {
        fields(&[
            ("asset", self.asset.clone()),
            ("holder", self.holder.clone()),
            (
                "access",
                if self.valid {
                    "valid".into()
                } else {
                    format!("refused ({})", self.reason.map_or("", |d| d.name()))
                },
            ),
            (
                "expires",
                if self.perpetual {
                    "never".into()
                } else {
                    self.expires_at
                        .map_or("-".into(), |e| format!("{e} (now {})", self.now))
                },
            ),
            ("access tokens", self.balance.to_string()),
        ])
    }
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
            let signature = tessera_client::proof::sign(&t.payer, &domain, &asset, &nonce, expires).to_string();
            return Ok(AccessProof {
                holder: t.wallet().to_string(),
                nonce,
                signature,
            }
            .into());
        }
    };
    let asset = key("asset", &asset)?;
    let holder = holder
        .as_deref()
        .map(|h| key("holder", h))
        .transpose()?
        .unwrap_or(t.wallet());
    Ok(t.access(&asset, &holder)?.into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tessera_client::registry::state::AccessDenied;

    use super::*;

    #[test]
    fn access_check_is_the_clients_report() {
        let r = AccessReport {
            asset: "A".into(),
            holder: "H".into(),
            valid: false,
            reason: Some(AccessDenied::PassExpired),
            expires_at: Some(100),
            perpetual: false,
            balance: 1,
            now: 200,
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({
                "asset": "A", "holder": "H", "valid": false, "reason": "PassExpired",
                "expiresAt": 100, "perpetual": false, "balance": 1, "now": 200,
            })
        );
        let human = r.human();
        assert!(human.contains("access         refused (PassExpired)"), "{human}");
        assert!(human.contains("expires        100 (now 200)"), "{human}");
        assert!(human.contains("access tokens  1"), "{human}");
    }

    #[test]
    fn access_sign_prints_the_proof_headers() {
        let p = AccessProof {
            holder: "H".into(),
            nonce: "n1".into(),
            signature: "S".into(),
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({ "holder": "H", "nonce": "n1", "signature": "S" })
        );
        assert_eq!(
            p.human(),
            "X-Tessera-Holder: H\nX-Tessera-Nonce: n1\nX-Tessera-Signature: S"
        );
    }
}
