//! One module per command group. Each command returns a typed result (see `crate::output`): a
//! struct deriving `Serialize` (its JSON) that implements `CommandOutput` (its human text), or a
//! `Sent` of one for a command that sends a transaction.

pub mod access;
pub mod assets;
pub mod buy;
pub mod channel;
pub mod config;
pub mod demo;
pub mod download;
pub mod index;
pub mod jobs;
pub mod provider;
pub mod publish;
pub mod royalties;

use tessera_client::{parse, Pubkey, Result};

/// Parses an address argument, naming it in the error.
pub fn key(what: &str, s: &str) -> Result<Pubkey> {
    parse::pubkey(what, s)
}
