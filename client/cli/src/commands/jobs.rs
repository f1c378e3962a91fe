//! `tessera jobs open|list|show|accept|deliver|confirm|release|refund|dispute|resolve|settle`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{json, Value};
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

use super::{key, sent};
use crate::output::{fields, table, with_spinner, Format, Report};

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

/// `--state`: a job state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

fn state_name(s: JobState) -> &'static str {
    match s {
        JobState::Open => "open",
        JobState::Accepted => "accepted",
        JobState::Delivered => "delivered",
        JobState::Disputed => "disputed",
    }
}

/// The slash at stake: fixed on an accepted job; on an open one, the most accepting could fix
/// (the config's cap of `max_slash_fee_multiple` × the fee; the bond share may make it less).
fn slash_at_stake(j: &Job, multiple: Option<u32>) -> (Option<u64>, String) {
    if j.state != JobState::Open {
        return (Some(j.slash_amount), j.slash_amount.to_string());
    }
    match multiple.and_then(|m| j.fee.checked_mul(u64::from(m))) {
        Some(cap) => (Some(cap), format!("≤ {cap}")),
        None => (None, "-".into()),
    }
}

fn job_json(k: &Pubkey, j: &Job, multiple: Option<u32>) -> Value {
    let accepted = j.state != JobState::Open;
    json!({
        "address": k.to_string(), "consumer": j.consumer.to_string(), "jobId": j.job_id, "model": j.model.to_string(),
        "mint": j.mint.to_string(), "state": state_name(j.state), "fee": j.fee,
        "provider": (j.provider != Pubkey::default()).then(|| j.provider.to_string()),
        "requestedProvider": j.requested_provider.map(|p| p.to_string()),
        "feeBps": j.fee_bps, "royaltyBps": j.royalty_bps,
        "inputCommitment": parse::to_hex(&j.input_commitment), "resultCommitment": parse::to_hex(&j.result_commitment),
        "acceptDeadline": j.accept_deadline, "deliveryDeadline": j.delivery_deadline, "challengeDeadline": j.challenge_deadline,
        "deliveryWindow": j.delivery_window, "challengeWindow": j.challenge_window,
        "slashAmount": accepted.then_some(j.slash_amount), "maxSlash": slash_at_stake(j, multiple).0,
        "arbiter": accepted.then(|| j.arbiter.to_string()), "disputeWindow": accepted.then_some(j.dispute_window),
        "disputeDeadline": (j.state == JobState::Disputed).then_some(j.dispute_deadline),
    })
}

/// The deadline that decides what may happen next.
fn next_deadline(j: &Job) -> String {
    match j.state {
        JobState::Open => format!("accept by {}", j.accept_deadline),
        JobState::Accepted => format!("deliver by {}", j.delivery_deadline),
        JobState::Delivered => format!("challenge until {}", j.challenge_deadline),
        JobState::Disputed => format!("resolve by {}", j.dispute_deadline),
    }
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
            Ok(sent(
                "jobs open",
                sig,
                json!({ "job": job.to_string(), "jobId": job_id, "fee": fee }),
            ))
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
            let rows: Vec<Vec<String>> = jobs
                .iter()
                .map(|(k, j)| {
                    vec![
                        k.to_string(),
                        state_name(j.state).into(),
                        j.fee.to_string(),
                        format!("{}s/{}s", j.delivery_window, j.challenge_window),
                        next_deadline(j),
                        slash_at_stake(j, multiple).1,
                        j.model.to_string(),
                        j.consumer.to_string(),
                    ]
                })
                .collect();
            let human = if rows.is_empty() {
                "no jobs".into()
            } else {
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
            };
            Ok(Report::new(
                json!({ "jobs": jobs.iter().map(|(k, j)| job_json(k, j, multiple)).collect::<Vec<_>>() }),
                human,
            ))
        }
        JobsCmd::Show { job } => {
            let k = key("job", &job)?;
            let j = t.job(&k)?;
            let multiple = t.escrow_config().ok().map(|c| c.max_slash_fee_multiple);
            let accepted = j.state != JobState::Open;
            let human = fields(&[
                ("job", k.to_string()),
                ("state", state_name(j.state).into()),
                ("consumer", j.consumer.to_string()),
                ("model", j.model.to_string()),
                ("fee (base units)", j.fee.to_string()),
                (
                    "provider",
                    if j.provider == Pubkey::default() {
                        "-".into()
                    } else {
                        j.provider.to_string()
                    },
                ),
                (
                    "windows",
                    format!(
                        "deliver within {} s of acceptance, challenge within {} s of delivery",
                        j.delivery_window, j.challenge_window
                    ),
                ),
                (
                    "slash at stake (base units)",
                    if accepted {
                        j.slash_amount.to_string()
                    } else {
                        format!("{} (fixed at acceptance)", slash_at_stake(&j, multiple).1)
                    },
                ),
                (
                    "arbiter",
                    if accepted {
                        j.arbiter.to_string()
                    } else {
                        "- (fixed at acceptance)".into()
                    },
                ),
                ("accept by", j.accept_deadline.to_string()),
                (
                    "deliver by",
                    if accepted {
                        j.delivery_deadline.to_string()
                    } else {
                        "-".into()
                    },
                ),
                (
                    "challenge until",
                    if j.challenge_deadline > 0 {
                        j.challenge_deadline.to_string()
                    } else {
                        "-".into()
                    },
                ),
                (
                    "dispute resolved by",
                    if j.state == JobState::Disputed {
                        format!("{} (then anyone settles half each)", j.dispute_deadline)
                    } else if accepted {
                        format!("{} s after a dispute", j.dispute_window)
                    } else {
                        "-".into()
                    },
                ),
            ]);
            Ok(Report::new(job_json(&k, &j, multiple), human))
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
            Ok(sent(
                "jobs accept",
                sig,
                json!({ "job": k.to_string(), "slashAmount": slash }),
            ))
        }
        JobsCmd::Deliver {
            job,
            result,
            result_hash,
        } => {
            let k = key("job", &job)?;
            let c = parse::hash_or_file(result_hash.as_deref(), result.as_deref())?;
            let sig = with_spinner(format, "delivering", || t.submit_result(&k, c))?;
            Ok(sent(
                "jobs deliver",
                sig,
                json!({ "job": k.to_string(), "resultCommitment": parse::to_hex(&c) }),
            ))
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
            Ok(sent("jobs dispute", sig, json!({ "job": k.to_string() })))
        }
    }
}

fn settle(
    t: &Tessera,
    format: Format,
    action: &str,
    job: &str,
    f: impl FnOnce(&Pubkey) -> Result<tessera_client::rpc::Signature>,
) -> Result<Report> {
    let k = key("job", job)?;
    let sig = with_spinner(format, action, || f(&k))?;
    Ok(sent(
        action,
        sig,
        json!({ "job": k.to_string(), "closed": t.fetch_opt::<Job>(&k)?.is_none() }),
    ))
}
