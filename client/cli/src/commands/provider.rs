//! `tessera provider register|bond|sync|unbond|withdraw|show`.

use clap::Subcommand;
use serde::Serialize;
use tessera_client::{amount, escrow::instructions::RegisterProviderArgs, pda, Result, Tessera};

use super::key;
use crate::output::{fields, with_spinner, CommandOutput, Format, Report, Sent};

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

/// `provider register`: the provider account created.
#[derive(Debug, Serialize)]
pub struct ProviderRegistered {
    pub provider: String,
}

/// `provider bond|sync|withdraw`: the bond after it, in base units.
#[derive(Debug, Serialize)]
pub struct BondChanged {
    pub bond: u64,
}

/// `provider unbond`: the amount requested, in base units.
#[derive(Debug, Serialize)]
pub struct UnbondRequested {
    pub amount: u64,
}

/// `provider show` (amounts in base units).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub provider: String,
    pub authority: String,
    pub mint: String,
    pub endpoint: String,
    pub models: Vec<String>,
    pub bond: u64,
    pub open_jobs: u32,
    pub unbond_amount: u64,
    pub unbond_available_at: i64,
    pub jobs_completed: u64,
    pub jobs_refunded: u64,
    pub disputes_lost: u64,
    /// The bond in UI units of the mint (human output only).
    #[serde(skip)]
    pub bond_ui: String,
}

impl CommandOutput for ProviderView {
    fn human(&self) -> String {
        fields(&[
            ("provider", self.provider.clone()),
            ("endpoint", self.endpoint.clone()),
            ("models", self.models.join(", ")),
            ("bond", self.bond_ui.clone()),
            ("open jobs", self.open_jobs.to_string()),
            (
                "record",
                format!(
                    "{} completed, {} refunded, {} disputes lost",
                    self.jobs_completed, self.jobs_refunded, self.disputes_lost
                ),
            ),
        ])
    }
}

pub fn run(t: &Tessera, cmd: ProviderCmd, format: Format) -> Result<Report> {
    match cmd {
        ProviderCmd::Register { mint, endpoint, models } => {
            let mint = key("mint", &mint)?;
            let models = models.iter().map(|m| key("model", m)).collect::<Result<Vec<_>>>()?;
            let sig = with_spinner(format, "registering", || {
                t.register_provider(&mint, RegisterProviderArgs { endpoint, models })
            })?;
            Ok(Sent::new(
                "provider register",
                sig,
                ProviderRegistered {
                    provider: pda::provider(&t.wallet()).to_string(),
                },
            )
            .into())
        }
        ProviderCmd::Bond { amount: a } => {
            let p = t.provider(&t.wallet())?;
            let v = amount::parse_ui_amount(&a, t.mint_info(&p.mint)?.0)?;
            let sig = with_spinner(format, "bonding", || t.bond(v))?;
            Ok(Sent::new(
                "provider bond",
                sig,
                BondChanged {
                    bond: t.provider(&t.wallet())?.bond,
                },
            )
            .into())
        }
        ProviderCmd::Sync { authority } => {
            let who = authority
                .as_deref()
                .map(|a| key("authority", a))
                .transpose()?
                .unwrap_or(t.wallet());
            let sig = with_spinner(format, "syncing the bond", || t.sync_bond(&who))?;
            Ok(Sent::new(
                "provider sync",
                sig,
                BondChanged {
                    bond: t.provider(&who)?.bond,
                },
            )
            .into())
        }
        ProviderCmd::Unbond { amount: a } => {
            let p = t.provider(&t.wallet())?;
            let v = amount::parse_ui_amount(&a, t.mint_info(&p.mint)?.0)?;
            let sig = with_spinner(format, "requesting unbond", || t.request_unbond(v))?;
            Ok(Sent::new("provider unbond", sig, UnbondRequested { amount: v }).into())
        }
        ProviderCmd::Withdraw => {
            let sig = with_spinner(format, "withdrawing the bond", || t.withdraw_bond())?;
            Ok(Sent::new(
                "provider withdraw",
                sig,
                BondChanged {
                    bond: t.provider(&t.wallet())?.bond,
                },
            )
            .into())
        }
        ProviderCmd::Show { authority } => {
            let who = authority
                .as_deref()
                .map(|a| key("authority", a))
                .transpose()?
                .unwrap_or(t.wallet());
            let p = t.provider(&who)?;
            let d = t.mint_info(&p.mint).map(|m| m.0).unwrap_or(0);
            Ok(ProviderView {
                provider: pda::provider(&who).to_string(),
                authority: who.to_string(),
                mint: p.mint.to_string(),
                endpoint: p.endpoint,
                models: p.models.iter().map(|m| m.to_string()).collect(),
                bond: p.bond,
                open_jobs: p.open_jobs,
                unbond_amount: p.unbond_amount,
                unbond_available_at: p.unbond_available_at,
                jobs_completed: p.jobs_completed,
                jobs_refunded: p.jobs_refunded,
                disputes_lost: p.disputes_lost,
                bond_ui: amount::format_ui_amount(p.bond, d),
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn provider_show_serializes_base_units_and_shows_ui_units() {
        let view = ProviderView {
            provider: "P".into(),
            authority: "A".into(),
            mint: "M".into(),
            endpoint: "https://gpu.example/v1".into(),
            models: vec!["X".into(), "Y".into()],
            bond: 5_000_000,
            open_jobs: 1,
            unbond_amount: 0,
            unbond_available_at: 0,
            jobs_completed: 3,
            jobs_refunded: 1,
            disputes_lost: 0,
            bond_ui: "5".into(),
        };
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            json!({
                "provider": "P", "authority": "A", "mint": "M", "endpoint": "https://gpu.example/v1",
                "models": ["X", "Y"], "bond": 5_000_000, "openJobs": 1, "unbondAmount": 0,
                "unbondAvailableAt": 0, "jobsCompleted": 3, "jobsRefunded": 1, "disputesLost": 0,
            })
        );
        let human = view.human();
        assert!(
            human.contains("bond       5\n") && human.contains("models     X, Y"),
            "{human}"
        );
        assert!(human.contains("3 completed, 1 refunded, 0 disputes lost"));
    }
}
