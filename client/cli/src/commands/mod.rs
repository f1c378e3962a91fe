pub mod access;
pub mod assets;
pub mod buy;
pub mod config;
pub mod demo;
pub mod jobs;
pub mod provider;
pub mod publish;
pub mod royalties;

use serde_json::json;
use tessera_client::{parse, Pubkey, Result};

use crate::output::Report;

/// Parses an address argument, naming it in the error.
pub fn key(what: &str, s: &str) -> Result<Pubkey> {
    parse::pubkey(what, s)
}

/// The report of a sent transaction.
pub fn sent(action: &str, signature: impl ToString, extra: serde_json::Value) -> Report {
    let signature = signature.to_string();
    let mut json = json!({ "action": action, "signature": signature });
    if let (Some(obj), serde_json::Value::Object(more)) = (json.as_object_mut(), extra.clone()) {
        obj.extend(more);
    }
    let mut human = format!("{action}: confirmed\nsignature: {signature}");
    if let serde_json::Value::Object(more) = extra {
        for (k, v) in more {
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            human.push_str(&format!("\n{k}: {v}"));
        }
    }
    Report::new(json, human)
}
