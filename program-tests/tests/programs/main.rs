//! Integration tests of the Tessera programs inside Agave's runtime (one test binary: each
//! links the whole runtime). One module per instruction with its happy path and refusals, plus
//! the end-to-end scenarios of the registry/royalties issue.
#![allow(deprecated)] // solana-program-test 3.x marks its API "Agave unstable"; pinned exactly.

mod channels;
mod escrow;
mod registry;
mod royalties;
mod scenarios;
