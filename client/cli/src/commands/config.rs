//! `tessera config init | init-escrow | update | show`.

use clap::{Args, Subcommand};
use serde::Serialize;
use tessera_client::{
    amount,
    escrow::{
        instructions::InitializeConfigArgs as InitializeEscrowArgs,
        state::{EscrowSettings, MintBond},
    },
    parse,
    registry::instructions::{InitializeConfigArgs, UpdateConfigArgs},
    Result, Tessera, TesseraError,
};

use super::key;
use crate::output::{fields, with_spinner, CommandOutput, Format, Report, Sent};

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Initialise the registry config (the program's upgrade authority only)
    Init(InitArgs),
    /// Initialise the escrow config (the program's upgrade authority only)
    InitEscrow(InitEscrowArgs),
    /// Change the registry config (admin only); --new-admin proposes a successor
    Update(UpdateArgs),
    /// Accept the registry admin role proposed to the wallet
    AcceptAdmin,
    /// Show both configs
    Show,
}

#[derive(Args)]
pub struct InitArgs {
    /// Owner of the accounts receiving the protocol fee
    #[arg(long)]
    treasury: String,
    /// Protocol fee in basis points (≤ 1000)
    #[arg(long, default_value_t = 0)]
    fee_bps: u16,
    /// Allowed payment mints, comma-separated (≤ 8)
    #[arg(long, value_delimiter = ',')]
    mint: Vec<String>,
    /// Admin [default: the wallet]
    #[arg(long)]
    admin: Option<String>,
}

#[derive(Args)]
pub struct InitEscrowArgs {
    #[arg(long)]
    treasury: String,
    /// Resolves disputes
    #[arg(long)]
    arbiter: String,
    /// Protocol fee on inference fees, in bps (≤ 1000)
    #[arg(long, default_value_t = 0)]
    fee_bps: u16,
    /// Share of a provider's bond slashed on a missed deadline or a lost dispute, in bps (≤ 5000)
    #[arg(long, default_value_t = 0)]
    slash_bps: u16,
    /// The slash at stake on a job is at most this many times its fee
    #[arg(long, default_value_t = 10)]
    max_slash_fee_multiple: u32,
    /// Minimum bond to accept a job, in UI units of --bond-mint
    #[arg(allow_hyphen_values = true, long, default_value = "0")]
    min_bond: String,
    /// The mint providers may bond in (with --min-bond); without it no mint is bondable and no
    /// job can be accepted
    #[arg(long)]
    bond_mint: Option<String>,
    /// Shortest accept window of a job (e.g. 60, 10m)
    #[arg(long, default_value = "0")]
    min_accept_window: String,
    /// Shortest delivery window of a job
    #[arg(long, default_value = "0")]
    min_delivery_window: String,
    /// Shortest challenge window of a job
    #[arg(long, default_value = "0")]
    min_challenge_window: String,
    /// Time the arbiter has to resolve a dispute; after it anyone settles half each
    #[arg(long, default_value = "1d")]
    dispute_window: String,
    /// Unbonding delay (e.g. 86400, 24h, 7d)
    #[arg(long, default_value = "1d")]
    unbonding_delay: String,
    #[arg(long)]
    admin: Option<String>,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// Propose a new admin; it takes over when it runs `config accept-admin`
    #[arg(long)]
    new_admin: Option<String>,
    #[arg(long)]
    treasury: Option<String>,
    #[arg(long)]
    fee_bps: Option<u16>,
    /// Replaces the allowed payment mints (comma-separated)
    #[arg(long, value_delimiter = ',')]
    mints: Option<Vec<String>>,
    /// Pause (true) or unpause (false) publications and sales
    #[arg(long)]
    paused: Option<bool>,
}

/// `config init|init-escrow`: the config account created.
#[derive(Debug, Serialize)]
pub struct ConfigCreated {
    pub config: String,
}

/// `config update`: the admin proposed, if any.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigUpdated {
    pub pending_admin: Option<String>,
}

/// `config accept-admin`: the new admin.
#[derive(Debug, Serialize)]
pub struct AdminAccepted {
    pub admin: String,
}

/// `config show`: `{"registry", "escrow"}`; `escrow` is null before `config init-escrow`.
#[derive(Debug, Serialize)]
pub struct ConfigView {
    pub registry: RegistryConfigView,
    pub escrow: Option<EscrowConfigView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryConfigView {
    pub admin: String,
    pub pending_admin: Option<String>,
    pub treasury: String,
    pub fee_bps: u16,
    pub paused: bool,
    pub payment_mints: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscrowConfigView {
    pub admin: String,
    pub pending_admin: Option<String>,
    pub treasury: String,
    pub arbiter: String,
    pub fee_bps: u16,
    pub slash_bps: u16,
    pub max_slash_fee_multiple: u32,
    /// Seconds.
    pub min_accept_window: u32,
    pub min_delivery_window: u32,
    pub min_challenge_window: u32,
    pub dispute_window: u32,
    /// Base units of each bondable mint.
    pub min_bonds: Vec<MinBondView>,
    pub unbonding_delay: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MinBondView {
    pub mint: String,
    pub min_bond: u64,
}

impl CommandOutput for ConfigView {
    fn human(&self) -> String {
        let c = &self.registry;
        let mut rows = vec![
            ("registry admin", c.admin.clone()),
            ("treasury", c.treasury.clone()),
            ("protocol fee", format!("{} bps", c.fee_bps)),
            ("paused", c.paused.to_string()),
            ("payment mints", c.payment_mints.join(", ")),
        ];
        if let Some(e) = &self.escrow {
            rows.extend([
                ("escrow arbiter", e.arbiter.clone()),
                ("inference fee", format!("{} bps", e.fee_bps)),
                (
                    "slash share",
                    format!(
                        "{} bps, at most {}× the job's fee",
                        e.slash_bps, e.max_slash_fee_multiple
                    ),
                ),
                (
                    "min windows",
                    format!(
                        "accept {} s, delivery {} s, challenge {} s",
                        e.min_accept_window, e.min_delivery_window, e.min_challenge_window
                    ),
                ),
                ("dispute window", format!("{} s", e.dispute_window)),
                (
                    "min bonds (base units)",
                    e.min_bonds
                        .iter()
                        .map(|b| format!("{} in {}", b.min_bond, b.mint))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                ("unbonding delay", format!("{} s", e.unbonding_delay)),
            ]);
        }
        fields(&rows)
    }
}

pub fn run(t: &Tessera, cmd: ConfigCmd, format: Format) -> Result<Report> {
    match cmd {
        ConfigCmd::Init(a) => {
            let args = InitializeConfigArgs {
                admin: a
                    .admin
                    .as_deref()
                    .map(|s| key("admin", s))
                    .transpose()?
                    .unwrap_or(t.wallet()),
                treasury: key("treasury", &a.treasury)?,
                fee_bps: a.fee_bps,
                payment_mints: a.mint.iter().map(|m| key("mint", m)).collect::<Result<_>>()?,
            };
            let sig = with_spinner(format, "initialising the registry config", || t.initialize_config(args))?;
            Ok(Sent::new(
                "config init",
                sig,
                ConfigCreated {
                    config: tessera_client::pda::config().to_string(),
                },
            )
            .into())
        }
        ConfigCmd::InitEscrow(a) => {
            let min_bonds = match &a.bond_mint {
                Some(m) => {
                    let mint = key("bond mint", m)?;
                    vec![MintBond {
                        mint,
                        min_bond: amount::parse_ui_amount(&a.min_bond, t.mint_info(&mint)?.0)?,
                    }]
                }
                None if a.min_bond.trim() == "0" => vec![],
                None => {
                    return Err(TesseraError::Invalid(
                        "--min-bond needs --bond-mint to know the mint's decimals".into(),
                    ))
                }
            };
            let secs = |what: &str, s: &str| -> Result<u32> {
                u32::try_from(parse::duration(s)?)
                    .map_err(|_| TesseraError::Invalid(format!("invalid {what} `{s}`: too long")))
            };
            let args = InitializeEscrowArgs {
                admin: a
                    .admin
                    .as_deref()
                    .map(|s| key("admin", s))
                    .transpose()?
                    .unwrap_or(t.wallet()),
                settings: EscrowSettings {
                    treasury: key("treasury", &a.treasury)?,
                    arbiter: key("arbiter", &a.arbiter)?,
                    fee_bps: a.fee_bps,
                    slash_bps: a.slash_bps,
                    max_slash_fee_multiple: a.max_slash_fee_multiple,
                    min_accept_window: secs("minimum accept window", &a.min_accept_window)?,
                    min_delivery_window: secs("minimum delivery window", &a.min_delivery_window)?,
                    min_challenge_window: secs("minimum challenge window", &a.min_challenge_window)?,
                    dispute_window: secs("dispute window", &a.dispute_window)?,
                    unbonding_delay: secs("unbonding delay", &a.unbonding_delay)?,
                    min_bonds,
                },
            };
            let sig = with_spinner(format, "initialising the escrow config", || t.initialize_escrow(args))?;
            Ok(Sent::new(
                "config init-escrow",
                sig,
                ConfigCreated {
                    config: tessera_client::pda::escrow_config().to_string(),
                },
            )
            .into())
        }
        ConfigCmd::Update(a) => {
            let new_admin = a.new_admin.as_deref().map(|s| key("admin", s)).transpose()?;
            let args = UpdateConfigArgs {
                treasury: a.treasury.as_deref().map(|s| key("treasury", s)).transpose()?,
                fee_bps: a.fee_bps,
                payment_mints: a
                    .mints
                    .map(|v| v.iter().map(|m| key("mint", m)).collect::<Result<Vec<_>>>())
                    .transpose()?,
                paused: a.paused,
            };
            let changes = args.treasury.is_some()
                || args.fee_bps.is_some()
                || args.payment_mints.is_some()
                || args.paused.is_some();
            let mut sig = None;
            if changes || new_admin.is_none() {
                sig = Some(with_spinner(format, "updating the registry config", || {
                    t.update_config(args)
                })?);
            }
            if let Some(n) = new_admin {
                sig = Some(with_spinner(format, "proposing the new admin", || t.propose_admin(&n))?);
            }
            Ok(Sent::new(
                "config update",
                sig.expect("one instruction sent"),
                ConfigUpdated {
                    pending_admin: new_admin.map(|n| n.to_string()),
                },
            )
            .into())
        }
        ConfigCmd::AcceptAdmin => {
            let sig = with_spinner(format, "accepting the registry admin role", || t.accept_admin())?;
            Ok(Sent::new(
                "config accept-admin",
                sig,
                AdminAccepted {
                    admin: t.wallet().to_string(),
                },
            )
            .into())
        }
        ConfigCmd::Show => {
            let c = t.config()?;
            let e = t.escrow_config().ok();
            Ok(ConfigView {
                registry: RegistryConfigView {
                    admin: c.admin.to_string(),
                    pending_admin: c.pending_admin.map(|p| p.to_string()),
                    treasury: c.treasury.to_string(),
                    fee_bps: c.fee_bps,
                    paused: c.paused,
                    payment_mints: c.payment_mints.iter().map(|m| m.to_string()).collect(),
                },
                escrow: e.map(|e| EscrowConfigView {
                    admin: e.admin.to_string(),
                    pending_admin: e.pending_admin.map(|p| p.to_string()),
                    treasury: e.treasury.to_string(),
                    arbiter: e.arbiter.to_string(),
                    fee_bps: e.fee_bps,
                    slash_bps: e.slash_bps,
                    max_slash_fee_multiple: e.max_slash_fee_multiple,
                    min_accept_window: e.min_accept_window,
                    min_delivery_window: e.min_delivery_window,
                    min_challenge_window: e.min_challenge_window,
                    dispute_window: e.dispute_window,
                    min_bonds: e
                        .min_bonds
                        .iter()
                        .map(|b| MinBondView {
                            mint: b.mint.to_string(),
                            min_bond: b.min_bond,
                        })
                        .collect(),
                    unbonding_delay: e.unbonding_delay,
                }),
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registry() -> RegistryConfigView {
        RegistryConfigView {
            admin: "A".into(),
            pending_admin: None,
            treasury: "T".into(),
            fee_bps: 250,
            paused: false,
            payment_mints: vec!["M".into()],
        }
    }

    #[test]
    fn config_show_serializes_both_configs() {
        let view = ConfigView {
            registry: registry(),
            escrow: Some(EscrowConfigView {
                admin: "A".into(),
                pending_admin: Some("B".into()),
                treasury: "T".into(),
                arbiter: "R".into(),
                fee_bps: 100,
                slash_bps: 2_000,
                max_slash_fee_multiple: 10,
                min_accept_window: 1,
                min_delivery_window: 2,
                min_challenge_window: 3,
                dispute_window: 86_400,
                min_bonds: vec![MinBondView {
                    mint: "M".into(),
                    min_bond: 1_000_000,
                }],
                unbonding_delay: 604_800,
            }),
        };
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            json!({
                "registry": {
                    "admin": "A", "pendingAdmin": null, "treasury": "T", "feeBps": 250,
                    "paused": false, "paymentMints": ["M"],
                },
                "escrow": {
                    "admin": "A", "pendingAdmin": "B", "treasury": "T", "arbiter": "R",
                    "feeBps": 100, "slashBps": 2_000, "maxSlashFeeMultiple": 10,
                    "minAcceptWindow": 1, "minDeliveryWindow": 2, "minChallengeWindow": 3,
                    "disputeWindow": 86_400, "minBonds": [{ "mint": "M", "minBond": 1_000_000 }],
                    "unbondingDelay": 604_800,
                },
            })
        );
        let human = view.human();
        for needle in [
            "protocol fee            250 bps",
            "slash share             2000 bps, at most 10× the job's fee",
            "min windows             accept 1 s, delivery 2 s, challenge 3 s",
            "min bonds (base units)  1000000 in M",
        ] {
            assert!(human.contains(needle), "`{needle}` in\n{human}");
        }
        let no_escrow = ConfigView {
            registry: registry(),
            escrow: None,
        };
        assert_eq!(serde_json::to_value(&no_escrow).unwrap()["escrow"], json!(null));
        assert!(!no_escrow.human().contains("escrow"));
    }

    #[test]
    fn config_update_names_the_pending_admin() {
        let out = Sent::new(
            "config update",
            "sig",
            ConfigUpdated {
                pending_admin: Some("N".into()),
            },
        );
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({ "action": "config update", "signature": "sig", "pendingAdmin": "N" })
        );
    }
}
