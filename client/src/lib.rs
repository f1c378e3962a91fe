//! Tessera client library: the one place that knows the programs' addresses (PDAs), how to
//! build their instructions and how to decode their accounts and events. The account lists and
//! instruction data come from the programs' own Anchor-generated `accounts` and `instruction`
//! modules, never from hand-written discriminators.

pub mod amount;
pub mod channel;
pub mod error;
pub mod events;
pub mod flows;
pub mod ix;
pub mod parse;
pub mod pda;
pub mod proof;
pub mod rpc;

pub use error::{ProgramError, Result, TesseraError};
pub use rpc::Tessera;

pub use tessera_channels as channels;
pub use tessera_escrow as escrow;
pub use tessera_registry as registry;
pub use tessera_royalties as royalties;

pub use anchor_lang::prelude::Pubkey;
pub use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};

/// Program ids.
pub const REGISTRY_ID: Pubkey = tessera_registry::ID;
pub const ROYALTIES_ID: Pubkey = tessera_royalties::ID;
pub const ESCROW_ID: Pubkey = tessera_escrow::ID;
pub const CHANNELS_ID: Pubkey = tessera_channels::ID;
/// Classic SPL Token program id.
pub const TOKEN_PROGRAM_ID: Pubkey = anchor_spl::token::ID;
/// Token-2022 program id.
pub const TOKEN_2022_PROGRAM_ID: Pubkey = anchor_spl::token_2022::ID;
/// Associated Token Account program id.
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey = anchor_spl::associated_token::ID;
