//! `tessera provider register|bond|sync|unbond|withdraw|show`.

use clap::Subcommand;
use serde_json::json;
use tessera_client::{amount, escrow::instructions::RegisterProviderArgs, pda, Result, Tessera};

use super::{key, sent};
use crate::output::{fields, with_spinner, Format, Report};

#[derive(Subcommand)]
pub enum ProviderCmd {
    /// Register the wallet as an inference provider
    Register {
        /// The mint of the bond and of the jobs it accepts
        #[arg(long)]
        mint: String,
        #[arg(long)]
        endpoint: String,
        /// Model assets served, comma-separated (≤ 16)
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
    },
    /// Add to the bond (UI units)
    Bond {
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Credit tokens sent straight to a bond vault to the bond (anyone) [default: the wallet's]
    Sync { authority: Option<String> },
    /// Ask to withdraw part of the bond after the unbonding delay (UI units)
    Unbond {
        #[arg(allow_hyphen_values = true)]
        amount: String,
    },
    /// Withdraw the requested bond (delay elapsed, no open jobs)
    Withdraw,
    /// Show a provider [default: the wallet's]
    Show { authority: Option<String> },
}

pub fn run(t: &Tessera, cmd: ProviderCmd, format: Format) -> Result<Report> {
    match cmd {
        ProviderCmd::Register { mint, endpoint, models } => {
            let mint = key("mint", &mint)?;
            let models = models.iter().map(|m| key("model", m)).collect::<Result<Vec<_>>>()?;
            let sig = with_spinner(format, "registering", || {
                t.register_provider(&mint, RegisterProviderArgs { endpoint, models })
            })?;
            Ok(sent(
                "provider register",
                sig,
                json!({ "provider": pda::provider(&t.wallet()).to_string() }),
            ))
        }
        ProviderCmd::Bond { amount: a } => {
            let p = t.provider(&t.wallet())?;
            let v = amount::parse_ui_amount(&a, t.mint_info(&p.mint)?.0)?;
            let sig = with_spinner(format, "bonding", || t.bond(v))?;
            Ok(sent(
                "provider bond",
                sig,
                json!({ "bond": t.provider(&t.wallet())?.bond }),
            ))
        }
        ProviderCmd::Sync { authority } => {
            let who = authority
                .as_deref()
                .map(|a| key("authority", a))
                .transpose()?
                .unwrap_or(t.wallet());
            let sig = with_spinner(format, "syncing the bond", || t.sync_bond(&who))?;
            Ok(sent("provider sync", sig, json!({ "bond": t.provider(&who)?.bond })))
        }
        ProviderCmd::Unbond { amount: a } => {
            let p = t.provider(&t.wallet())?;
            let v = amount::parse_ui_amount(&a, t.mint_info(&p.mint)?.0)?;
            let sig = with_spinner(format, "requesting unbond", || t.request_unbond(v))?;
            Ok(sent("provider unbond", sig, json!({ "amount": v })))
        }
        ProviderCmd::Withdraw => {
            let sig = with_spinner(format, "withdrawing the bond", || t.withdraw_bond())?;
            Ok(sent(
                "provider withdraw",
                sig,
                json!({ "bond": t.provider(&t.wallet())?.bond }),
            ))
        }
        ProviderCmd::Show { authority } => {
            let who = authority
                .as_deref()
                .map(|a| key("authority", a))
                .transpose()?
                .unwrap_or(t.wallet());
            let p = t.provider(&who)?;
            let d = t.mint_info(&p.mint).map(|m| m.0).unwrap_or(0);
            let json = json!({
                "provider": pda::provider(&who).to_string(), "authority": who.to_string(), "mint": p.mint.to_string(),
                "endpoint": p.endpoint, "models": p.models.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                "bond": p.bond, "openJobs": p.open_jobs, "unbondAmount": p.unbond_amount, "unbondAvailableAt": p.unbond_available_at,
                "jobsCompleted": p.jobs_completed, "jobsRefunded": p.jobs_refunded, "disputesLost": p.disputes_lost,
            });
            let human = fields(&[
                ("provider", pda::provider(&who).to_string()),
                ("endpoint", p.endpoint.clone()),
                (
                    "models",
                    p.models.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "),
                ),
                ("bond", amount::format_ui_amount(p.bond, d)),
                ("open jobs", p.open_jobs.to_string()),
                (
                    "record",
                    format!(
                        "{} completed, {} refunded, {} disputes lost",
                        p.jobs_completed, p.jobs_refunded, p.disputes_lost
                    ),
                ),
            ]);
            Ok(Report::new(json, human))
        }
    }
}
