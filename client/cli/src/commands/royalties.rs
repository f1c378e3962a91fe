//! `tessera royalties show|claim|claim-parked|update-split|propose-authority|accept-authority|sync`.

use clap::Subcommand;
use serde::Serialize;
use tessera_client::{amount, parse, royalties::instructions::UpdateSplitArgs, rpc::Owed, Result, Tessera};

use super::key;
use crate::output::{table, with_spinner, CommandOutput, Format, Report, Sent};

#[derive(Subcommand)]
pub enum RoyaltiesCmd {
    /// What every split owes a recipient
    Show {
        /// [default: the wallet]
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Claim what the wallet is owed: from one split, or from all of them
    Claim {
        /// One split [default: every split that owes the wallet]
        #[arg(long)]
        split: Option<String>,
    },
    /// Claim what a split's update parked for the wallet after removing it (when the removed
    /// recipients' balances no longer fitted in the split)
    ClaimParked { split: String },
    /// Change a split's recipients (split authority)
    UpdateSplit {
        split: String,
        /// ADDRESS:BPS,… summing to 10000
        #[arg(long)]
        recipients: String,
    },
    /// Propose the split's next authority (split authority); it takes over with accept-authority
    ProposeAuthority {
        split: String,
        /// The proposed authority
        #[arg(long, required_unless_present = "cancel", conflicts_with = "cancel")]
        new_authority: Option<String>,
        /// Withdraw the pending proposal instead
        #[arg(long)]
        cancel: bool,
    },
    /// Take over a split whose authority proposed the wallet
    AcceptAuthority { split: String },
    /// Credit a split with tokens sent straight to its vault (anyone)
    Sync { split: String },
}

fn ui(t: &Tessera, mint: &str, v: u64) -> String {
    parse::pubkey("mint", mint)
        .ok()
        .and_then(|m| t.mint_info(&m).ok())
        .map_or_else(|| v.to_string(), |(d, _)| amount::format_ui_amount(v, d))
}

/// `royalties show`: what every split owes the recipient (base units).
#[derive(Debug, Serialize)]
pub struct OwedReport {
    pub recipient: String,
    pub owed: Vec<OwedRow>,
}

/// One split's debt: the client's [`Owed`] (`split`, `subject`, `mint`, `amount`).
#[derive(Debug, Serialize)]
pub struct OwedRow {
    #[serde(flatten)]
    pub owed: Owed,
    /// The amount in UI units of the mint (human output only).
    #[serde(skip)]
    pub amount_ui: String,
}

impl CommandOutput for OwedReport {
    fn human(&self) -> String {
        if self.owed.is_empty() {
            return format!("nothing owed to {}", self.recipient);
        }
        let rows: Vec<Vec<String>> = self
            .owed
            .iter()
            .map(|o| {
                vec![
                    o.owed.split.clone(),
                    o.owed.subject.clone(),
                    o.amount_ui.clone(),
                    o.owed.mint.clone(),
                ]
            })
            .collect();
        table(&["SPLIT", "ASSET", "OWED", "MINT"], &rows)
    }
}

/// One claim transaction: the split, the amount claimed (base units), its signature.
#[derive(Debug, Serialize)]
pub struct Claim {
    pub split: String,
    pub amount: u64,
    pub signature: String,
}

/// `royalties claim`: `{"action": "royalties claim", "claims": [claim…]}` (one transaction
/// per split).
#[derive(Debug, Serialize)]
pub struct Claims {
    pub action: &'static str,
    pub claims: Vec<Claim>,
}

impl CommandOutput for Claims {
    fn human(&self) -> String {
        if self.claims.is_empty() {
            return "nothing to claim".to_string();
        }
        table(
            &["SPLIT", "CLAIMED (base units)", "SIGNATURE"],
            &self
                .claims
                .iter()
                .map(|c| vec![c.split.clone(), c.amount.to_string(), c.signature.clone()])
                .collect::<Vec<_>>(),
        )
    }
}

/// `royalties claim-parked`: `{"action": "royalties claim-parked", "claims": [claim…]}`, all
/// from the one split.
#[derive(Debug, Serialize)]
pub struct ParkedClaims {
    pub action: &'static str,
    pub claims: Vec<Claim>,
    /// The split and the wallet (human output only: what an empty result names).
    #[serde(skip)]
    pub split: String,
    #[serde(skip)]
    pub wallet: String,
}

impl CommandOutput for ParkedClaims {
    fn human(&self) -> String {
        if self.claims.is_empty() {
            return format!("nothing parked for {} in {}", self.wallet, self.split);
        }
        table(
            &["CLAIMED (base units)", "SIGNATURE"],
            &self
                .claims
                .iter()
                .map(|c| vec![c.amount.to_string(), c.signature.clone()])
                .collect::<Vec<_>>(),
        )
    }
}

/// `royalties update-split|accept-authority|sync`: the split changed.
#[derive(Debug, Serialize)]
pub struct SplitChanged {
    pub split: String,
}

/// `royalties propose-authority`: the authority proposed (null: the proposal withdrawn).
#[derive(Debug, Serialize)]
pub struct AuthorityProposed {
    pub split: String,
    pub proposed: Option<String>,
}

pub fn run(t: &Tessera, cmd: RoyaltiesCmd, format: Format) -> Result<Report> {
    match cmd {
        RoyaltiesCmd::Show { recipient } => {
            let who = recipient
                .as_deref()
                .map(|r| key("recipient", r))
                .transpose()?
                .unwrap_or(t.wallet());
            let owed = t
                .owed_to(&who)?
                .into_iter()
                .map(|o| OwedRow {
                    amount_ui: ui(t, &o.mint, o.amount),
                    owed: o,
                })
                .collect();
            Ok(OwedReport {
                recipient: who.to_string(),
                owed,
            }
            .into())
        }
        RoyaltiesCmd::Claim { split } => {
            let claims = match split {
                Some(s) => {
                    let k = key("split", &s)?;
                    let (amount, sig) = with_spinner(format, "claiming", || t.claim(&k))?;
                    vec![(k, amount, sig)]
                }
                None => with_spinner(format, "claiming from every split", || t.claim_all())?,
            };
            Ok(Claims {
                action: "royalties claim",
                claims: claims
                    .iter()
                    .map(|(k, amount, sig)| Claim {
                        split: k.to_string(),
                        amount: *amount,
                        signature: sig.to_string(),
                    })
                    .collect(),
            }
            .into())
        }
        RoyaltiesCmd::ClaimParked { split } => {
            let k = key("split", &split)?;
            let claims = with_spinner(format, "claiming parked balances", || t.claim_parked(&k))?;
            Ok(ParkedClaims {
                action: "royalties claim-parked",
                claims: claims
                    .iter()
                    .map(|(amount, sig)| Claim {
                        split: k.to_string(),
                        amount: *amount,
                        signature: sig.to_string(),
                    })
                    .collect(),
                split: k.to_string(),
                wallet: t.wallet().to_string(),
            }
            .into())
        }
        RoyaltiesCmd::UpdateSplit { split, recipients } => {
            let k = key("split", &split)?;
            let args = UpdateSplitArgs {
                recipients: parse::split(&recipients)?,
            };
            let sig = with_spinner(format, "updating the split", || t.update_split(&k, args))?;
            Ok(Sent::new("royalties update-split", sig, SplitChanged { split: k.to_string() }).into())
        }
        RoyaltiesCmd::ProposeAuthority {
            split,
            new_authority,
            cancel,
        } => {
            let k = key("split", &split)?;
            let proposed = if cancel {
                None
            } else {
                new_authority.as_deref().map(|a| key("new authority", a)).transpose()?
            };
            let sig = with_spinner(format, "proposing the split authority", || {
                t.propose_split_authority(&k, proposed)
            })?;
            Ok(Sent::new(
                "royalties propose-authority",
                sig,
                AuthorityProposed {
                    split: k.to_string(),
                    proposed: proposed.map(|p| p.to_string()),
                },
            )
            .into())
        }
        RoyaltiesCmd::AcceptAuthority { split } => {
            let k = key("split", &split)?;
            let sig = with_spinner(format, "accepting the split authority", || t.accept_split_authority(&k))?;
            Ok(Sent::new("royalties accept-authority", sig, SplitChanged { split: k.to_string() }).into())
        }
        RoyaltiesCmd::Sync { split } => {
            let k = key("split", &split)?;
            let sig = with_spinner(format, "crediting the vault's uncredited tokens", || t.sync_split(&k))?;
            Ok(Sent::new("royalties sync", sig, SplitChanged { split: k.to_string() }).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn owed_serializes_the_clients_rows_without_the_ui_amounts() {
        let report = OwedReport {
            recipient: "R".into(),
            owed: vec![OwedRow {
                owed: Owed {
                    split: "S".into(),
                    subject: "A".into(),
                    mint: "M".into(),
                    amount: 15_600_000,
                },
                amount_ui: "15.6".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            json!({ "recipient": "R", "owed": [{ "split": "S", "subject": "A", "mint": "M", "amount": 15_600_000 }] })
        );
        let human = report.human();
        assert!(
            human.starts_with("SPLIT") && human.contains("S      A      15.6  M"),
            "{human}"
        );
        let nothing = OwedReport {
            recipient: "R".into(),
            owed: vec![],
        };
        assert_eq!(nothing.human(), "nothing owed to R");
    }

    #[test]
    fn claims_list_one_transaction_per_split() {
        let claims = Claims {
            action: "royalties claim",
            claims: vec![Claim {
                split: "S".into(),
                amount: 4_095_000,
                signature: "sig".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&claims).unwrap(),
            json!({ "action": "royalties claim", "claims": [{ "split": "S", "amount": 4_095_000, "signature": "sig" }] })
        );
        assert!(claims.human().contains("4095000"));
        let parked = ParkedClaims {
            action: "royalties claim-parked",
            claims: vec![],
            split: "S".into(),
            wallet: "W".into(),
        };
        assert_eq!(
            serde_json::to_value(&parked).unwrap(),
            json!({ "action": "royalties claim-parked", "claims": [] })
        );
        assert_eq!(parked.human(), "nothing parked for W in S");
        let proposed = Sent::new(
            "royalties propose-authority",
            "sig",
            AuthorityProposed {
                split: "S".into(),
                proposed: None,
            },
        );
        assert_eq!(
            serde_json::to_value(&proposed).unwrap(),
            json!({ "action": "royalties propose-authority", "signature": "sig", "split": "S", "proposed": null })
        );
    }
}
