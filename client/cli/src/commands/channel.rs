//! `tessera channel open|top-up|list|show|close|finalize` (payment channels) and `tessera call`
//! (a model call through a metered gate, paid by a voucher).

use std::{path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;
use tessera_client::{
    amount::parse_ui_amount,
    channel::{ChannelFilter, ChannelView, OpenChannelRequest, Voucher, VOUCHER_HEADER},
    Pubkey, Result, Tessera, TesseraError,
};

use super::key;
use crate::output::{fields, table, with_spinner, CommandOutput, Format, Report, Sent};

#[derive(Subcommand)]
pub enum ChannelCmd {
    /// Open and fund a payment channel for a model (the wallet pays the deposit)
    Open {
        model: String,
        /// The deposit, in UI units of the model's payment mint
        #[arg(long)]
        deposit: String,
        /// The provider's authority (the payee) [default: the first provider serving the model]
        #[arg(long)]
        payee: Option<String>,
        /// The key that signs the vouchers [default: the wallet]
        #[arg(long)]
        signer: Option<String>,
        /// Seconds the payee has to settle after a close request [default: a day, within the
        /// program's bounds]
        #[arg(long)]
        close_grace: Option<u32>,
        /// The channel id [default: a fresh one; never reuse the id of a closed channel]
        #[arg(long)]
        id: Option<u64>,
    },
    /// Add to a channel's deposit (UI units; the payer)
    TopUp { channel: String, amount: String },
    /// List channels [default: the wallet's as payer]
    List {
        #[arg(long)]
        payer: Option<String>,
        /// The provider's authority
        #[arg(long)]
        payee: Option<String>,
        #[arg(long)]
        model: Option<String>,
    },
    /// Show a channel
    Show { channel: String },
    /// Request the close (the payer): the grace starts, then `finalize`
    Close { channel: String },
    /// Close a channel whose grace is over (anyone): the rest of the deposit to the payer
    Finalize { channel: String },
}

impl CommandOutput for ChannelView {
    fn human(&self) -> String {
        fields(&[
            ("channel", self.address.clone()),
            ("payer", self.payer.clone()),
            ("payee", self.payee.clone()),
            ("model", self.model.clone()),
            ("mint", self.mint.clone()),
            ("signer", self.authorized_signer.clone()),
            ("deposit", self.deposit.to_string()),
            ("settled", self.settled.to_string()),
            ("remaining", self.remaining.to_string()),
            ("close grace", format!("{} s", self.close_grace)),
            (
                "close",
                match (self.close_requested_at, self.grace_ends_at) {
                    (Some(at), Some(end)) => format!("requested at {at}; finalize from {end}"),
                    _ => "not requested".into(),
                },
            ),
        ])
    }
}

/// `channel list`.
#[derive(Debug, Serialize)]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

impl CommandOutput for ChannelList {
    fn human(&self) -> String {
        if self.channels.is_empty() {
            return "no channels".into();
        }
        let rows: Vec<Vec<String>> = self
            .channels
            .iter()
            .map(|c| {
                vec![
                    c.address.clone(),
                    c.model.clone(),
                    c.payee.clone(),
                    c.deposit.to_string(),
                    c.settled.to_string(),
                    if c.close_requested_at.is_some() {
                        "closing"
                    } else {
                        "open"
                    }
                    .into(),
                ]
            })
            .collect();
        table(&["CHANNEL", "MODEL", "PAYEE", "DEPOSIT", "SETTLED", "STATE"], &rows)
    }
}

/// `channel open`.
#[derive(Debug, Serialize)]
pub struct ChannelOpened {
    pub channel: String,
    pub payee: String,
    pub deposit: u64,
}

/// `channel top-up`: the deposit after it (base units).
#[derive(Debug, Serialize)]
pub struct ChannelToppedUp {
    pub channel: String,
    pub deposit: u64,
}

/// `channel close`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseRequested {
    pub channel: String,
    pub grace_ends_at: Option<i64>,
}

/// `channel finalize`: what the payer got back (base units).
#[derive(Debug, Serialize)]
pub struct ChannelFinalized {
    pub channel: String,
    pub refund: u64,
}

fn ui(t: &Tessera, mint: &Pubkey, amount: &str) -> Result<u64> {
    parse_ui_amount(amount, t.mint_info(mint)?.0)
}

pub fn run(t: &Tessera, cmd: ChannelCmd, format: Format) -> Result<Report> {
    match cmd {
        ChannelCmd::Open {
            model,
            deposit,
            payee,
            signer,
            close_grace,
            id,
        } => {
            let model = key("model", &model)?;
            let asset = t.asset(&model)?;
            let deposit = ui(t, &asset.payment_mint, &deposit)?;
            let request = OpenChannelRequest {
                model,
                payee: payee.as_deref().map(|p| key("payee", p)).transpose()?,
                deposit,
                authorized_signer: signer.as_deref().map(|s| key("signer", s)).transpose()?,
                close_grace,
                channel_id: id,
            };
            let (channel, sig) = with_spinner(format, "opening the channel", || t.open_channel(&request))?;
            let c = t.channel(&channel)?;
            Ok(Sent::new(
                "channel open",
                sig,
                ChannelOpened {
                    channel: channel.to_string(),
                    payee: c.payee.to_string(),
                    deposit: c.deposit,
                },
            )
            .into())
        }
        ChannelCmd::TopUp { channel, amount } => {
            let channel = key("channel", &channel)?;
            let c = t.channel(&channel)?;
            let amount = ui(t, &c.mint, &amount)?;
            let sig = with_spinner(format, "topping up", || t.top_up_channel(&channel, amount))?;
            Ok(Sent::new(
                "channel top-up",
                sig,
                ChannelToppedUp {
                    channel: channel.to_string(),
                    deposit: t.channel(&channel)?.deposit,
                },
            )
            .into())
        }
        ChannelCmd::List { payer, payee, model } => {
            let parse = |what, v: Option<String>| v.as_deref().map(|s| key(what, s)).transpose();
            let mut f = ChannelFilter {
                payer: parse("payer", payer)?,
                payee: parse("payee", payee)?,
                model: parse("model", model)?,
            };
            if f.payer.is_none() && f.payee.is_none() && f.model.is_none() {
                f.payer = Some(t.wallet());
            }
            let channels = t
                .list_channels(&f)?
                .iter()
                .map(|(k, c)| ChannelView::new(k, c))
                .collect();
            Ok(ChannelList { channels }.into())
        }
        ChannelCmd::Show { channel } => {
            let channel = key("channel", &channel)?;
            Ok(ChannelView::new(&channel, &t.channel(&channel)?).into())
        }
        ChannelCmd::Close { channel } => {
            let channel = key("channel", &channel)?;
            let sig = with_spinner(format, "requesting the close", || t.request_close(&channel))?;
            let c = t.channel(&channel)?;
            Ok(Sent::new(
                "channel close",
                sig,
                CloseRequested {
                    channel: channel.to_string(),
                    grace_ends_at: ChannelView::new(&channel, &c).grace_ends_at,
                },
            )
            .into())
        }
        ChannelCmd::Finalize { channel } => {
            let channel = key("channel", &channel)?;
            let (refund, sig) = with_spinner(format, "finalizing", || t.finalize_close(&channel))?;
            Ok(Sent::new(
                "channel finalize",
                sig,
                ChannelFinalized {
                    channel: channel.to_string(),
                    refund,
                },
            )
            .into())
        }
    }
}

#[derive(Args)]
pub struct CallArgs {
    /// The model asset
    model: String,
    /// The metered gate's base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    gate: String,
    /// The request body sent to the model (`@FILE` reads a file)
    #[arg(long)]
    data: String,
    /// The channel to pay from [default: the wallet's open channel for this model and the
    /// gate's payee, else a new one with --deposit]
    #[arg(long)]
    channel: Option<String>,
    /// Opens a channel with this deposit (UI units) when there is none
    #[arg(long)]
    deposit: Option<String>,
    /// Request timeout in seconds; a timed-out call is retried with the same voucher
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Retries of a call that timed out (always with the same voucher)
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Write the answer to this file instead of printing it
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `call`: the model's answer and what the call cost.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallResult {
    pub model: String,
    pub channel: String,
    /// The upstream's HTTP status.
    pub status: u16,
    /// The answer (UTF-8, lossy) unless written to a file.
    pub answer: Option<String>,
    /// The channel's cumulative amount the gate accepted after this call (base units).
    pub accepted: u64,
    pub price: u64,
    /// The deposit not yet spent (base units).
    pub remaining: Option<u64>,
    /// A new channel was opened for this call.
    pub opened: bool,
    /// Attempts made (1 + retries after timeouts).
    pub attempts: u32,
}

impl CommandOutput for CallResult {
    fn human(&self) -> String {
        self.answer.clone().unwrap_or_else(|| {
            format!(
                "status {}; paid {} (channel {} accepted {})",
                self.status, self.price, self.channel, self.accepted
            )
        })
    }
}

fn gate_error(what: &str, e: impl std::fmt::Display) -> TesseraError {
    TesseraError::Invalid(format!("the gate {what}: {e}"))
}

pub fn call(t: &Tessera, a: CallArgs, format: Format) -> Result<Report> {
    let model = key("model", &a.model)?;
    let base = a.gate.trim_end_matches('/').to_string();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(a.timeout))
        .build()
        .map_err(|e| TesseraError::Invalid(e.to_string()))?;
    let body = match a.data.strip_prefix('@') {
        Some(path) => std::fs::read(path)?,
        None => a.data.clone().into_bytes(),
    };
    let payment: Value = http
        .get(format!("{base}/v1/assets/{model}/payment"))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .map_err(|e| gate_error("did not give its payment requirements", e))?;
    let field = |k: &str| {
        payment[k]
            .as_str()
            .ok_or_else(|| gate_error("gave payment requirements without", k))
    };
    let payee = key("payee", field("payee")?)?;
    let price = payment["pricePerCall"]
        .as_u64()
        .ok_or_else(|| gate_error("gave payment requirements without", "pricePerCall"))?;
    let min_deposit = payment["minDeposit"].as_u64().unwrap_or(0);

    // The channel: given, else the wallet's open one to this payee for this model, else a new one.
    let mut opened = false;
    let channel = match &a.channel {
        Some(c) => key("channel", c)?,
        None => {
            let mine = t.list_channels(&ChannelFilter {
                payer: Some(t.wallet()),
                payee: Some(payee),
                model: Some(model),
            })?;
            let usable = mine.into_iter().find(|(_, c)| {
                c.close_requested_at == 0 && c.authorized_signer == t.wallet() && c.deposit >= min_deposit
            });
            match (usable, &a.deposit) {
                (Some((k, _)), _) => k,
                (None, Some(d)) => {
                    let asset = t.asset(&model)?;
                    let deposit = ui(t, &asset.payment_mint, d)?;
                    let (k, _) = with_spinner(format, "opening a channel", || {
                        t.open_channel(&OpenChannelRequest {
                            model,
                            payee: Some(payee),
                            deposit,
                            authorized_signer: None,
                            close_grace: None,
                            channel_id: None,
                        })
                    })?;
                    opened = true;
                    k
                }
                (None, None) => {
                    return Err(TesseraError::Invalid(format!(
                        "no open channel of the wallet to {payee} for model {model}: pass --deposit to open one (at least {})",
                        min_deposit
                    )))
                }
            }
        }
    };
    // What the gate accepted so far on the channel: the voucher pays that plus the price.
    let status: Value = http
        .get(format!("{base}/v1/assets/{model}/channels/{channel}"))
        .send()
        .and_then(|r| r.json())
        .map_err(|e| gate_error("did not say what it accepted on the channel", e))?;
    let required = status["required"]
        .as_u64()
        .ok_or_else(|| gate_error("did not say what it accepted on the channel", &status))?;
    let voucher = Voucher::sign(&t.payer, &channel, required, 0);
    let mut attempts = 0;
    let resp = loop {
        attempts += 1;
        // The same voucher on every attempt: a retry never pays twice.
        let sent = http
            .post(format!("{base}/v1/assets/{model}/infer"))
            .header(VOUCHER_HEADER, voucher.encode())
            .header("content-type", "application/octet-stream")
            .body(body.clone())
            .send();
        match sent {
            Ok(r) if r.status().as_u16() == 504 || r.status().as_u16() == 409 => {
                if attempts > a.retries {
                    break r;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(r) => break r,
            Err(e) if e.is_timeout() && attempts <= a.retries => {}
            Err(e) => return Err(gate_error("could not be reached", e)),
        }
    };
    let code = resp.status().as_u16();
    let accepted = resp
        .headers()
        .get("x-tessera-accepted")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let remaining = resp
        .headers()
        .get("x-tessera-remaining")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let bytes = resp.bytes().map_err(|e| gate_error("answer could not be read", e))?;
    if code == 402 || (code >= 400 && serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| v["reason"].is_string())) {
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        return Err(TesseraError::Invalid(format!(
            "the gate refused the call ({code} {}): {}",
            v["reason"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        )));
    }
    let answer = match &a.out {
        Some(path) => {
            std::fs::write(path, &bytes)?;
            None
        }
        None => Some(String::from_utf8_lossy(&bytes).into_owned()),
    };
    Ok(CallResult {
        model: model.to_string(),
        channel: channel.to_string(),
        status: code,
        answer,
        accepted: accepted.unwrap_or(required),
        price,
        remaining,
        opened,
        attempts,
    }
    .into())
}
