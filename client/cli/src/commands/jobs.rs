//! `tessera jobs open|list|show|accept|deliver|confirm|release|refund|dispute|resolve|settle`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use tessera_client::{
    amount,
    escrow::{
        instructions::OpenJobArgs,
        state::{Job, JobState},
    },
    parse, pda,
    rpc::JobFilter,
    Pubkey, Result, Tessera, TesseraError,
};

use super::key;
use crate::output::{fields, table, with_spinner, CommandOutput, Format, Report, Sent};

#[derive(Subcommand)]
pub enum JobsCmd {
    /// Open and fund a paid inference job for a model
    Open(OpenArgs),
    /// List jobs (filters are applied by the RPC node)
    List {
        #[arg(long)]
        consumer: Option<String>,
        /// The provider's authority (wallet)
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long, value_enum)]
        state: Option<StateArg>,
    },
    Show {
        job: String,
    },
    /// Provider: accept a job on the terms shown by `jobs show` (fee, windows, slash at stake)
    Accept {
        job: String,
        /// The most of your bond you put at stake, in UI units [default: the slash accepting now fixes]
        #[arg(allow_hyphen_values = true, long)]
        max_slash: Option<String>,
    },
    /// Provider: deliver (commit to the result)
    Deliver {
        job: String,
        /// The result; its SHA-256 is the commitment
        #[arg(long, conflicts_with = "result_hash", required_unless_present = "result_hash")]
        result: Option<PathBuf>,
        #[arg(long)]
        result_hash: Option<String>,
    },
    /// Consumer: confirm the delivery and release the fee at once
    Confirm {
        job: String,
    },
    /// Anyone: release after the challenge window
    Release {
        job: String,
    },
    /// Anyone: refund after a missed deadline
    Refund {
        job: String,
    },
    /// Consumer: dispute within the challenge window
    Dispute {
        job: String,
    },
    /// The job's arbiter: give the provider a bps share of the fee (before the dispute deadline)
    Resolve {
        job: String,
        #[arg(long)]
        provider_share_bps: u16,
    },
    /// Anyone: settle a dispute unresolved after its deadline (half each, no slash)
    Settle {
        job: String,
    },
}

#[derive(Args)]
pub struct OpenArgs {
    model: String,
    /// The fee, in UI units of the model's payment mint
    #[arg(allow_hyphen_values = true, long)]
    fee: String,
    /// A number of your choice identifying the job [default: the current time in ms]
    #[arg(long)]
    id: Option<u64>,
    /// The input (kept off-chain); its SHA-256 is the commitment
    #[arg(long, conflicts_with = "input_hash", required_unless_present = "input_hash")]
    input: Option<PathBuf>,
    #[arg(long)]
    input_hash: Option<String>,
    /// A specific provider (its authority)
    #[arg(long)]
    provider: Option<String>,
    #[arg(long, default_value = "10m")]
    accept_window: String,
    #[arg(long, default_value = "1h")]
    delivery_window: String,
    #[arg(long, default_value = "1h")]
    challenge_window: String,
}

/// A job state: the `--state` filter and the `state` of a job in the JSON (`open`, `accepted`,
/// `delivered`, `disputed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StateArg {
    Open,
    Accepted,
    Delivered,
    Disputed,
}

impl From<StateArg> for JobState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Open => JobState::Open,
            StateArg::Accepted => JobState::Accepted,
            StateArg::Delivered => JobState::Delivered,
            StateArg::Disputed => JobState::Disputed,
        }
    }
}

impl From<JobState> for StateArg {
    fn from(s: JobState) -> Self {
        match s {
            JobState::Open => StateArg::Open,
            JobState::Accepted => StateArg::Accepted,
            JobState::Delivered => StateArg::Delivered,
            JobState::Disputed => StateArg::Disputed,
        }
    }
}

/// A job as `jobs show` prints it and `jobs list` lists it (amounts in base units, times in unix
/// seconds, windows in seconds). What acceptance fixes (`slashAmount`, `arbiter`,
/// `disputeWindow`) is null on an open job; `disputeDeadline` is null unless disputed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub address: String,
    pub consumer: String,
    pub job_id: u64,
    pub model: String,
    pub mint: String,
    pub state: StateArg,
    pub fee: u64,
    /// The provider's escrow account, once accepted.
    pub provider: Option<String>,
    pub requested_provider: Option<String>,
    pub fee_bps: u16,
    pub royalty_bps: u16,
    pub input_commitment: String,
    pub result_commitment: String,
    pub accept_deadline: i64,
    pub delivery_deadline: i64,
    pub challenge_deadline: i64,
    pub delivery_window: u32,
    pub challenge_window: u32,
    pub slash_amount: Option<u64>,
    /// The slash at stake: fixed on an accepted job; on an open one, the most accepting could fix
    /// (the config's cap of `max_slash_fee_multiple` × the fee; the bond share may make it
    /// less); null when the escrow config cannot be read.
    pub max_slash: Option<u64>,
    pub arbiter: Option<String>,
    pub dispute_window: Option<u32>,
    pub dispute_deadline: Option<i64>,
}

impl JobView {
    /// `multiple`: the escrow config's `max_slash_fee_multiple`, if it could be read.
    pub fn new(k: &Pubkey, j: &Job, multiple: Option<u32>) -> Self {
        let accepted = j.state != JobState::Open;
        JobView {
            address: k.to_string(),
            consumer: j.consumer.to_string(),
            job_id: j.job_id,
            model: j.model.to_string(),
            mint: j.mint.to_string(),
            state: j.state.into(),
            fee: j.fee,
            provider: (j.provider != Pubkey::default()).then(|| j.provider.to_string()),
            requested_provider: j.requested_provider.map(|p| p.to_string()),
            fee_bps: j.fee_bps,
            royalty_bps: j.royalty_bps,
            input_commitment: parse::to_hex(&j.input_commitment),
            result_commitment: parse::to_hex(&j.result_commitment),
            accept_deadline: j.accept_deadline,
            delivery_deadline: j.delivery_deadline,
            challenge_deadline: j.challenge_deadline,
            delivery_window: j.delivery_window,
            challenge_window: j.challenge_window,
            slash_amount: accepted.then_some(j.slash_amount),
            max_slash: if accepted {
                Some(j.slash_amount)
            } else {
                multiple.and_then(|m| j.fee.checked_mul(u64::from(m)))
            },
            arbiter: accepted.then(|| j.arbiter.to_string()),
            dispute_window: accepted.then_some(j.dispute_window),
            dispute_deadline: (j.state == JobState::Disputed).then_some(j.dispute_deadline),
        }
    }

    fn accepted(&self) -> bool {
        self.state != StateArg::Open
    }

    /// The slash at stake as text: the fixed amount, `≤ cap` before acceptance, or `-`.
    fn slash_at_stake(&self) -> String {
        match (self.slash_amount, self.max_slash) {
            (Some(fixed), _) => fixed.to_string(),
            (None, Some(cap)) => format!("≤ {cap}"),
            (None, None) => "-".into(),
        }
    }

    /// The deadline that decides what may happen next.
    fn next_deadline(&self) -> String {
        let or_dash = |d: Option<i64>| d.map_or("-".into(), |d| d.to_string());
        match self.state {
            StateArg::Open => format!("accept by {}", self.accept_deadline),
            StateArg::Accepted => format!("deliver by {}", self.delivery_deadline),
            StateArg::Delivered => format!("challenge until {}", self.challenge_deadline),
            StateArg::Disputed => format!("resolve by {}", or_dash(self.dispute_deadline)),
        }
    }
}

/// `jobs show`: key/value lines.
impl CommandOutput for JobView {
    fn human(&self) -> String {
        let accepted = self.accepted();
        let dash = || "-".to_string();
        fields(&[
            ("job", self.address.clone()),
            ("state", state_name(self.state).into()),
            ("consumer", self.consumer.clone()),
            ("model", self.model.clone()),
            ("fee (base units)", self.fee.to_string()),
            ("provider", self.provider.clone().unwrap_or_else(dash)),
            (
                "windows",
                format!(
                    "deliver within {} s of acceptance, challenge within {} s of delivery",
                    self.delivery_window, self.challenge_window
                ),
            ),
            (
                "slash at stake (base units)",
                if accepted {
                    self.slash_at_stake()
                } else {
                    format!("{} (fixed at acceptance)", self.slash_at_stake())
                },
            ),
            (
                "arbiter",
                self.arbiter.clone().unwrap_or_else(|| "- (fixed at acceptance)".into()),
            ),
            ("accept by", self.accept_deadline.to_string()),
            (
                "deliver by",
                if accepted {
                    self.delivery_deadline.to_string()
                } else {
                    dash()
                },
            ),
            (
                "challenge until",
                if self.challenge_deadline > 0 {
                    self.challenge_deadline.to_string()
                } else {
                    dash()
                },
            ),
            (
                "dispute resolved by",
                match (self.dispute_deadline, self.dispute_window) {
                    (Some(deadline), _) => format!("{deadline} (then anyone settles half each)"),
                    (None, Some(window)) => format!("{window} s after a dispute"),
                    (None, None) => dash(),
                },
            ),
        ])
    }
}

fn state_name(s: StateArg) -> &'static str {
    match s {
        StateArg::Open => "open",
        StateArg::Accepted => "accepted",
        StateArg::Delivered => "delivered",
        StateArg::Disputed => "disputed",
    }
}

/// `jobs list`: `{"jobs": [job…]}`.
#[derive(Debug, Serialize)]
pub struct JobList {
    pub jobs: Vec<JobView>,
}

impl CommandOutput for JobList {
    fn human(&self) -> String {
        if self.jobs.is_empty() {
            return "no jobs".into();
        }
        let rows: Vec<Vec<String>> = self
            .jobs
            .iter()
            .map(|j| {
                vec![
                    j.address.clone(),
                    state_name(j.state).into(),
                    j.fee.to_string(),
                    format!("{}s/{}s", j.delivery_window, j.challenge_window),
                    j.next_deadline(),
                    j.slash_at_stake(),
                    j.model.clone(),
                    j.consumer.clone(),
                ]
            })
            .collect();
        table(
            &[
                "JOB",
                "STATE",
                "FEE (base units)",
                "DELIVER/CHALLENGE",
                "NEXT DEADLINE",
                "SLASH AT STAKE",
                "MODEL",
                "CONSUMER",
            ],
            &rows,
        )
    }
}

/// `jobs open`: the job created, its id and fee (base units).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOpened {
    pub job: String,
    pub job_id: u64,
    pub fee: u64,
}

/// `jobs accept`: the slash now at stake (null if the job is already gone).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobAccepted {
    pub job: String,
    pub slash_amount: Option<u64>,
}

/// `jobs deliver`: the result's commitment (hex).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDelivered {
    pub job: String,
    pub result_commitment: String,
}

/// `jobs dispute`: the job disputed.
#[derive(Debug, Serialize)]
pub struct JobDisputed {
    pub job: String,
}

/// `jobs confirm|release|refund|resolve|settle`: whether the job account is closed now.
#[derive(Debug, Serialize)]
pub struct JobSettled {
    pub job: String,
    pub closed: bool,
}

fn window(what: &str, s: &str) -> Result<u32> {
    u32::try_from(parse::duration(s)?)
        .map_err(|_| TesseraError::Invalid(format!("invalid {what} `{s}`: at most 30 days")))
}

pub fn run(t: &Tessera, cmd: JobsCmd, format: Format) -> Result<Report> {
    match cmd {
        JobsCmd::Open(a) => {
            let model = key("model", &a.model)?;
            let asset = t.asset(&model)?;
            let (decimals, _) = t.mint_info(&asset.payment_mint)?;
            let fee = amount::parse_ui_amount(&a.fee, decimals)?;
            let input_commitment = parse::hash_or_file(a.input_hash.as_deref(), a.input.as_deref())?;
            let job_id = a.id.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64)
            });
            let args = OpenJobArgs {
                job_id,
                fee,
                input_commitment,
                provider: a
                    .provider
                    .as_deref()
                    .map(|p| key("provider", p).map(|k| pda::provider(&k)))
                    .transpose()?,
                accept_window: window("accept window", &a.accept_window)?,
                delivery_window: window("delivery window", &a.delivery_window)?,
                challenge_window: window("challenge window", &a.challenge_window)?,
            };
            let (job, sig) = with_spinner(format, "opening the job", || t.open_job(&model, args))?;
            Ok(Sent::new(
                "jobs open",
                sig,
                JobOpened {
                    job: job.to_string(),
                    job_id,
                    fee,
                },
            )
            .into())
        }
        JobsCmd::List {
            consumer,
            provider,
            model,
            state,
        } => {
            let f = JobFilter {
                consumer: consumer.as_deref().map(|c| key("consumer", c)).transpose()?,
                provider: provider
                    .as_deref()
                    .map(|p| key("provider", p).map(|k| pda::provider(&k)))
                    .transpose()?,
                model: model.as_deref().map(|m| key("model", m)).transpose()?,
                state: state.map(JobState::from),
            };
            let jobs = t.list_jobs(&f)?;
            let multiple = t.escrow_config().ok().map(|c| c.max_slash_fee_multiple);
            let jobs = jobs.iter().map(|(k, j)| JobView::new(k, j, multiple)).collect();
            Ok(JobList { jobs }.into())
        }
        JobsCmd::Show { job } => {
            let k = key("job", &job)?;
            let j = t.job(&k)?;
            let multiple = t.escrow_config().ok().map(|c| c.max_slash_fee_multiple);
            Ok(JobView::new(&k, &j, multiple).into())
        }
        JobsCmd::Accept { job, max_slash } => {
            let k = key("job", &job)?;
            let max_slash = match max_slash {
                Some(m) => {
                    let j = t.job(&k)?;
                    Some(amount::parse_ui_amount(&m, t.mint_info(&j.mint)?.0)?)
                }
                None => None,
            };
            let sig = with_spinner(format, "accepting", || t.accept_job(&k, max_slash))?;
            let slash = t.fetch_opt::<Job>(&k)?.map(|j| j.slash_amount);
            Ok(Sent::new(
                "jobs accept",
                sig,
                JobAccepted {
                    job: k.to_string(),
                    slash_amount: slash,
                },
            )
            .into())
        }
        JobsCmd::Deliver {
            job,
            result,
            result_hash,
        } => {
            let k = key("job", &job)?;
            let c = parse::hash_or_file(result_hash.as_deref(), result.as_deref())?;
            let sig = with_spinner(format, "delivering", || t.submit_result(&k, c))?;
            Ok(Sent::new(
                "jobs deliver",
                sig,
                JobDelivered {
                    job: k.to_string(),
                    result_commitment: parse::to_hex(&c),
                },
            )
            .into())
        }
        JobsCmd::Confirm { job } => settle(t, format, "jobs confirm", &job, |k| t.confirm_job(k)),
        JobsCmd::Release { job } => settle(t, format, "jobs release", &job, |k| t.release_job(k)),
        JobsCmd::Refund { job } => settle(t, format, "jobs refund", &job, |k| t.refund_job(k)),
        JobsCmd::Resolve {
            job,
            provider_share_bps,
        } => settle(t, format, "jobs resolve", &job, |k| {
            t.resolve_dispute(k, provider_share_bps)
        }),
        JobsCmd::Settle { job } => settle(t, format, "jobs settle", &job, |k| t.settle_dispute(k)),
        JobsCmd::Dispute { job } => {
            let k = key("job", &job)?;
            let sig = with_spinner(format, "disputing", || t.dispute_job(&k))?;
            Ok(Sent::new("jobs dispute", sig, JobDisputed { job: k.to_string() }).into())
        }
    }
}

fn settle(
    t: &Tessera,
    format: Format,
    action: &'static str,
    job: &str,
    f: impl FnOnce(&Pubkey) -> Result<tessera_client::rpc::Signature>,
) -> Result<Report> {
    let k = key("job", job)?;
    let sig = with_spinner(format, action, || f(&k))?;
    Ok(Sent::new(
        action,
        sig,
        JobSettled {
            job: k.to_string(),
            closed: t.fetch_opt::<Job>(&k)?.is_none(),
        },
    )
    .into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn job(state: JobState) -> Job {
        let accepted = state != JobState::Open;
        Job {
            consumer: Pubkey::new_unique(),
            job_id: 7,
            model: Pubkey::new_unique(),
            mint: Pubkey::new_unique(),
            vault: Pubkey::new_unique(),
            provider: if accepted {
                Pubkey::new_unique()
            } else {
                Pubkey::default()
            },
            state,
            fee: 2_000_000,
            fee_bps: 100,
            royalty_bps: 1_000,
            model_split: Pubkey::new_unique(),
            input_commitment: [1; 32],
            result_commitment: [0; 32],
            funded_at: 100,
            accept_deadline: 700,
            delivery_window: 3_600,
            delivery_deadline: if accepted { 4_000 } else { 0 },
            challenge_window: 3_600,
            challenge_deadline: 0,
            bump: 255,
            vault_bump: 254,
            slash_amount: if accepted { 400_000 } else { 0 },
            arbiter: Pubkey::new_unique(),
            dispute_window: 86_400,
            dispute_deadline: if state == JobState::Disputed { 90_000 } else { 0 },
            requested_provider: None,
        }
    }

    #[test]
    fn an_open_job_serializes_to_the_documented_json() {
        let k = Pubkey::new_unique();
        let j = job(JobState::Open);
        let view = JobView::new(&k, &j, Some(10));
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            json!({
                "address": k.to_string(), "consumer": j.consumer.to_string(), "jobId": 7,
                "model": j.model.to_string(), "mint": j.mint.to_string(), "state": "open", "fee": 2_000_000,
                "provider": null, "requestedProvider": null, "feeBps": 100, "royaltyBps": 1_000,
                "inputCommitment": "01".repeat(32), "resultCommitment": "00".repeat(32),
                "acceptDeadline": 700, "deliveryDeadline": 0, "challengeDeadline": 0,
                "deliveryWindow": 3_600, "challengeWindow": 3_600,
                "slashAmount": null, "maxSlash": 20_000_000,
                "arbiter": null, "disputeWindow": null, "disputeDeadline": null,
            })
        );
        let human = view.human();
        for needle in [
            "state                        open",
            "provider                     -",
            "slash at stake (base units)  ≤ 20000000 (fixed at acceptance)",
            "arbiter                      - (fixed at acceptance)",
            "deliver by                   -",
            "dispute resolved by          -",
        ] {
            assert!(human.contains(needle), "`{needle}` in\n{human}");
        }
        // Without the escrow config, the cap is unknown.
        assert_eq!(JobView::new(&k, &j, None).slash_at_stake(), "-");
    }

    #[test]
    fn a_disputed_job_shows_what_acceptance_fixed() {
        let k = Pubkey::new_unique();
        let j = job(JobState::Disputed);
        let view = JobView::new(&k, &j, Some(10));
        let v = serde_json::to_value(&view).unwrap();
        assert_eq!(v["state"], "disputed");
        assert_eq!(v["provider"], j.provider.to_string());
        assert_eq!(
            (v["slashAmount"].as_u64(), v["maxSlash"].as_u64()),
            (Some(400_000), Some(400_000))
        );
        assert_eq!(v["arbiter"], j.arbiter.to_string());
        assert_eq!(
            (v["disputeWindow"].as_u64(), v["disputeDeadline"].as_i64()),
            (Some(86_400), Some(90_000))
        );
        let human = view.human();
        assert!(human.contains("slash at stake (base units)  400000\n"), "{human}");
        assert!(human.contains("dispute resolved by          90000 (then anyone settles half each)"));
        let list = JobList { jobs: vec![view] }.human();
        assert!(
            list.contains("resolve by 90000") && list.contains("3600s/3600s"),
            "{list}"
        );
        assert_eq!(
            serde_json::to_value(JobList { jobs: vec![] }).unwrap(),
            json!({ "jobs": [] })
        );
    }

    #[test]
    fn an_accepted_job_waits_for_delivery() {
        let view = JobView::new(&Pubkey::new_unique(), &job(JobState::Accepted), Some(10));
        assert_eq!(view.next_deadline(), "deliver by 4000");
        assert!(view
            .human()
            .contains("dispute resolved by          86400 s after a dispute"));
    }

    #[test]
    fn settlements_report_whether_the_job_closed() {
        let out = Sent::new(
            "jobs confirm",
            "sig",
            JobSettled {
                job: "J".into(),
                closed: true,
            },
        );
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({ "action": "jobs confirm", "signature": "sig", "job": "J", "closed": true })
        );
        let opened = Sent::new(
            "jobs open",
            "sig",
            JobOpened {
                job: "J".into(),
                job_id: 1,
                fee: 5,
            },
        );
        assert_eq!(
            serde_json::to_value(&opened).unwrap(),
            json!({ "action": "jobs open", "signature": "sig", "job": "J", "jobId": 1, "fee": 5 })
        );
    }
}
