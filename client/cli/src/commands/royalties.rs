//! `tessera royalties show|claim|claim-parked|update-split|propose-authority|accept-authority|sync`.

use clap::Subcommand;
use serde_json::json;
use tessera_client::{amount, parse, royalties::instructions::UpdateSplitArgs, Result, Tessera};

use super::{key, sent};
use crate::output::{table, with_spinner, Format, Report};

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

pub fn run(t: &Tessera, cmd: RoyaltiesCmd, format: Format) -> Result<Report> {
    match cmd {
        RoyaltiesCmd::Show { recipient } => {
            let who = recipient
                .as_deref()
                .map(|r| key("recipient", r))
                .transpose()?
                .unwrap_or(t.wallet());
            let owed = t.owed_to(&who)?;
            let rows: Vec<Vec<String>> = owed
                .iter()
                .map(|o| {
                    vec![
                        o.split.clone(),
                        o.subject.clone(),
                        ui(t, &o.mint, o.amount),
                        o.mint.clone(),
                    ]
                })
                .collect();
            let human = if rows.is_empty() {
                format!("nothing owed to {who}")
            } else {
                table(&["SPLIT", "ASSET", "OWED", "MINT"], &rows)
            };
            Ok(Report::new(
                json!({ "recipient": who.to_string(), "owed": owed }),
                human,
            ))
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
            let items: Vec<_> = claims
                .iter()
                .map(|(k, a, s)| json!({ "split": k.to_string(), "amount": a, "signature": s.to_string() }))
                .collect();
            let human = if claims.is_empty() {
                "nothing to claim".to_string()
            } else {
                table(
                    &["SPLIT", "CLAIMED (base units)", "SIGNATURE"],
                    &claims
                        .iter()
                        .map(|(k, a, s)| vec![k.to_string(), a.to_string(), s.to_string()])
                        .collect::<Vec<_>>(),
                )
            };
            Ok(Report::new(
                json!({ "action": "royalties claim", "claims": items }),
                human,
            ))
        }
        RoyaltiesCmd::ClaimParked { split } => {
            let k = key("split", &split)?;
            let claims = with_spinner(format, "claiming parked balances", || t.claim_parked(&k))?;
            let items: Vec<_> = claims
                .iter()
                .map(|(a, s)| json!({ "split": k.to_string(), "amount": a, "signature": s.to_string() }))
                .collect();
            let human = if claims.is_empty() {
                format!("nothing parked for {} in {k}", t.wallet())
            } else {
                table(
                    &["CLAIMED (base units)", "SIGNATURE"],
                    &claims
                        .iter()
                        .map(|(a, s)| vec![a.to_string(), s.to_string()])
                        .collect::<Vec<_>>(),
                )
            };
            Ok(Report::new(
                json!({ "action": "royalties claim-parked", "claims": items }),
                human,
            ))
        }
        RoyaltiesCmd::UpdateSplit { split, recipients } => {
            let k = key("split", &split)?;
            let args = UpdateSplitArgs {
                recipients: parse::split(&recipients)?,
            };
            let sig = with_spinner(format, "updating the split", || t.update_split(&k, args))?;
            Ok(sent("royalties update-split", sig, json!({ "split": k.to_string() })))
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
            let proposed = proposed.map(|p| p.to_string());
            Ok(sent(
                "royalties propose-authority",
                sig,
                json!({ "split": k.to_string(), "proposed": proposed }),
            ))
        }
        RoyaltiesCmd::AcceptAuthority { split } => {
            let k = key("split", &split)?;
            let sig = with_spinner(format, "accepting the split authority", || t.accept_split_authority(&k))?;
            Ok(sent(
                "royalties accept-authority",
                sig,
                json!({ "split": k.to_string() }),
            ))
        }
        RoyaltiesCmd::Sync { split } => {
            let k = key("split", &split)?;
            let sig = with_spinner(format, "crediting the vault's uncredited tokens", || t.sync_split(&k))?;
            Ok(sent("royalties sync", sig, json!({ "split": k.to_string() })))
        }
    }
}
