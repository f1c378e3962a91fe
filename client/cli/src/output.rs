//! Human tables by default, one JSON object per command with `--output json`; a spinner on
//! stderr while a transaction confirms.
//!
//! Every command returns a typed result: a struct that implements [`CommandOutput`]. Its
//! `Serialize` derive *is* the documented JSON contract (`client/cli/README.md`), and its
//! [`CommandOutput::human`] renders the same values as a table or key/value lines. To add a
//! command: define its result struct (`#[derive(Serialize)] #[serde(rename_all = "camelCase")]`),
//! implement `CommandOutput` for it, and return it as `Ok(result.into())`. A command that sends
//! one transaction returns a [`Sent`] of a small struct naming what it created or changed.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tessera_client::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// A command's typed result: serializes to its documented JSON and renders as human text.
pub trait CommandOutput: Serialize {
    /// The human rendering (tables and key/value lines built with [`table`] and [`fields`]).
    fn human(&self) -> String;
}

/// The JSON line of a result. It goes through `serde_json::Value`, whose objects keep their keys
/// sorted, so the bytes printed are the same whatever the order of a struct's fields.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_value(value)
        .expect("command outputs serialize: string keys, no failing Serialize impl")
        .to_string()
}

/// Object-safe face of [`CommandOutput`] (whose `Serialize` bound is not), so that `main` can
/// print whatever a command returned.
trait Render {
    fn render(&self, format: Format) -> String;
}

impl<T: CommandOutput> Render for T {
    fn render(&self, format: Format) -> String {
        match format {
            Format::Json => to_json(self),
            Format::Human => self.human(),
        }
    }
}

/// What a command returns to `main`: any [`CommandOutput`], boxed (`Ok(result.into())`).
pub struct Report(Box<dyn Render>);

impl<T: CommandOutput + 'static> From<T> for Report {
    fn from(output: T) -> Self {
        Report(Box::new(output))
    }
}

impl Report {
    pub fn render(&self, format: Format) -> String {
        self.0.render(format)
    }

    pub fn print(&self, format: Format) {
        println!("{}", self.render(format));
    }
}

/// The result of a command that sent a transaction: `{"action", "signature", …detail}`, the
/// detail's fields (what the transaction created or changed) flattened beside the two.
#[derive(Debug, Serialize)]
pub struct Sent<D> {
    /// The command, e.g. `"buy"`, `"jobs open"`.
    pub action: &'static str,
    pub signature: String,
    #[serde(flatten)]
    pub detail: D,
}

impl<D: Serialize> Sent<D> {
    pub fn new(action: &'static str, signature: impl ToString, detail: D) -> Self {
        Sent {
            action,
            signature: signature.to_string(),
            detail,
        }
    }
}

/// `ACTION: confirmed`, the signature, then one `key: value` line per field of the detail, by
/// its JSON name (strings bare, other values as JSON: `null`, `true`, numbers).
impl<D: Serialize> CommandOutput for Sent<D> {
    fn human(&self) -> String {
        let mut human = format!("{}: confirmed\nsignature: {}", self.action, self.signature);
        if let Ok(serde_json::Value::Object(detail)) = serde_json::to_value(&self.detail) {
            for (k, v) in detail {
                let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                human.push_str(&format!("\n{k}: {v}"));
            }
        }
        human
    }
}

/// What kind of failure an error is (`error.kind` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// A Tessera program (or Anchor) refused the instruction.
    Program,
    /// The transaction failed for another reason.
    Transaction,
    /// The RPC node or the transport failed.
    Rpc,
    Io,
    NotFound,
    /// Bad input (including a command line clap refuses), caught before anything is sent.
    Invalid,
}

/// The JSON error printed on stdout with `--output json`: `{"error": {"kind", "message"}}`, plus
/// `program`, `code` and `name` for a program refusal.
#[derive(Debug, Serialize)]
pub struct ErrorOutput {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// The Anchor error name, e.g. `AssetNotListed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub message: String,
}

impl ErrorOutput {
    /// An error without program details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorOutput {
            error: ErrorBody {
                kind,
                program: None,
                code: None,
                name: None,
                message: message.into(),
            },
        }
    }

    /// The JSON error of a client error.
    pub fn from_error(e: &tessera_client::TesseraError) -> Self {
        use tessera_client::TesseraError as E;
        match e {
            E::Program(p) => ErrorOutput {
                error: ErrorBody {
                    kind: ErrorKind::Program,
                    program: Some(p.program()),
                    code: Some(p.code()),
                    name: Some(p.name()),
                    message: p.message(),
                },
            },
            other => {
                let kind = match other {
                    E::Program(_) | E::Transaction(_) => ErrorKind::Transaction,
                    E::Rpc(_) | E::Client(_) => ErrorKind::Rpc,
                    E::Io(_) => ErrorKind::Io,
                    E::NotFound { .. } => ErrorKind::NotFound,
                    E::Invalid(_) => ErrorKind::Invalid,
                };
                ErrorOutput::new(kind, other.to_string())
            }
        }
    }
}

/// Runs `f` (which sends a transaction) behind a spinner; the spinner only draws on a terminal
/// and never in JSON mode.
pub fn with_spinner<T>(format: Format, message: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let pb = if format == Format::Human {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    let out = f();
    pb.finish_and_clear();
    out
}

/// A left-aligned text table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

/// Key/value lines.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<w$}  {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Detail {
        asset: String,
        expires_at: Option<i64>,
        access_tokens: u64,
        perpetual: bool,
    }

    fn detail() -> Detail {
        Detail {
            asset: "Asset111".into(),
            expires_at: None,
            access_tokens: 2,
            perpetual: true,
        }
    }

    #[test]
    fn sent_flattens_its_detail_beside_action_and_signature() {
        let out = Sent::new("buy", "5igsig", detail());
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({
                "action": "buy", "signature": "5igsig",
                "asset": "Asset111", "expiresAt": null, "accessTokens": 2, "perpetual": true,
            })
        );
        // One line per detail field by JSON name, in the JSON's (sorted) order; strings bare.
        assert_eq!(
            out.human(),
            "buy: confirmed\nsignature: 5igsig\naccessTokens: 2\nasset: Asset111\nexpiresAt: null\nperpetual: true"
        );
    }

    #[test]
    fn the_json_line_has_sorted_keys_as_before_the_types() {
        // serde_json without `preserve_order`: the printed bytes do not depend on field order.
        let line = Report::from(Sent::new("buy", "sig", detail())).render(Format::Json);
        assert_eq!(
            line,
            r#"{"accessTokens":2,"action":"buy","asset":"Asset111","expiresAt":null,"perpetual":true,"signature":"sig"}"#
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["action"], "buy");
    }

    #[test]
    fn errors_serialize_to_the_documented_shapes() {
        let e = ErrorOutput::new(ErrorKind::NotFound, "asset X not found");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({ "error": { "kind": "not-found", "message": "asset X not found" } })
        );
        let e = ErrorOutput::from_error(&tessera_client::TesseraError::Invalid("invalid amount `abc`".into()));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({ "error": { "kind": "invalid", "message": "invalid amount `abc`" } })
        );
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = ErrorOutput::from_error(&tessera_client::TesseraError::Io(io));
        assert_eq!(e.error.kind, ErrorKind::Io);
        assert_eq!(serde_json::to_value(&e).unwrap()["error"]["kind"], "io");
        let e = ErrorOutput {
            error: ErrorBody {
                kind: ErrorKind::Program,
                program: Some("tessera-registry"),
                code: Some(3011),
                name: Some("AssetNotListed".into()),
                message: "the asset is not listed".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({ "error": {
                "kind": "program", "program": "tessera-registry", "code": 3011,
                "name": "AssetNotListed", "message": "the asset is not listed",
            } })
        );
        let kinds = [
            (ErrorKind::Transaction, "transaction"),
            (ErrorKind::Rpc, "rpc"),
            (ErrorKind::Invalid, "invalid"),
        ];
        for (kind, name) in kinds {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
    }

    #[test]
    fn table_and_fields_align() {
        assert_eq!(
            table(&["A", "BB"], &[vec!["xyz".into(), "1".into()]]),
            "A    BB\nxyz  1"
        );
        assert_eq!(fields(&[("k", "1".into()), ("key", "2".into())]), "k    1\nkey  2");
    }
}
