//! Development tooling around the Tessera client, kept out of the client library: a launcher
//! for `tessera-localnet` (the local validator built from `localnet/`) and faucet helpers for
//! local clusters. Used by `tessera demo`, the CLI's integration tests and the benchmarks.

pub mod faucet;
pub mod localnet;
pub mod test_chain;

pub use faucet::DevFlows;
pub use localnet::Localnet;
pub use test_chain::TestChain;
