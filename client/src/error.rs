//! The client's error type. A program refusal is decoded into that program's own error enum
//! (`RegistryError`, `RoyaltiesError`, `EscrowError`, `ChannelsError`, each `TryFrom<u32>` as Token-2022's is)
//! or Anchor's `ErrorCode`; RPC-client and I/O errors are kept as sources.

use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use solana_client::client_error::ClientError;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;
use tessera_channels::errors::ChannelsError;
use tessera_escrow::errors::EscrowError;
use tessera_registry::errors::RegistryError;
use tessera_royalties::errors::RoyaltiesError;

use crate::{CHANNELS_ID, ESCROW_ID, REGISTRY_ID, ROYALTIES_ID};

/// A Tessera program's refusal, typed.
#[derive(Debug, Clone, Copy)]
pub enum ProgramError {
    Registry(RegistryError),
    Royalties(RoyaltiesError),
    Escrow(EscrowError),
    Channels(ChannelsError),
    /// Anchor's own error (codes below 6000: account constraints and checks), raised in the
    /// program named.
    Anchor {
        program: &'static str,
        error: ErrorCode,
    },
}

impl ProgramError {
    /// Decodes a custom error `code` returned by `program`, if it is a Tessera program and a
    /// code it or Anchor defines.
    pub fn decode(program: &Pubkey, code: u32) -> Option<Self> {
        let program_name = program_name(program)?;
        let own = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET);
        let typed = match own {
            Some(i) if *program == REGISTRY_ID => RegistryError::try_from(i).ok().map(ProgramError::Registry),
            Some(i) if *program == ROYALTIES_ID => RoyaltiesError::try_from(i).ok().map(ProgramError::Royalties),
            Some(i) if *program == ESCROW_ID => EscrowError::try_from(i).ok().map(ProgramError::Escrow),
            Some(i) if *program == CHANNELS_ID => ChannelsError::try_from(i).ok().map(ProgramError::Channels),
            _ => None,
        };
        typed.or_else(|| {
            ANCHOR_ERRORS
                .iter()
                .find(|e| u32::from(**e) == code)
                .map(|&error| ProgramError::Anchor {
                    program: program_name,
                    error,
                })
        })
    }

    /// `tessera-registry`, `tessera-royalties`, `tessera-escrow` or `tessera-channels`.
    pub fn program(&self) -> &'static str {
        match self {
            ProgramError::Registry(_) => REGISTRY_NAME,
            ProgramError::Royalties(_) => ROYALTIES_NAME,
            ProgramError::Escrow(_) => ESCROW_NAME,
            ProgramError::Channels(_) => CHANNELS_NAME,
            ProgramError::Anchor { program, .. } => program,
        }
    }

    /// The custom error code on chain.
    pub fn code(&self) -> u32 {
        match *self {
            ProgramError::Registry(e) => e.into(),
            ProgramError::Royalties(e) => e.into(),
            ProgramError::Escrow(e) => e.into(),
            ProgramError::Channels(e) => e.into(),
            ProgramError::Anchor { error, .. } => error.into(),
        }
    }

    /// The error's name in the program (`PassExpired`, `ConstraintSeeds`, …).
    pub fn name(&self) -> String {
        match self {
            ProgramError::Registry(e) => e.name(),
            ProgramError::Royalties(e) => e.name(),
            ProgramError::Escrow(e) => e.name(),
            ProgramError::Channels(e) => e.name(),
            ProgramError::Anchor { error, .. } => error.name(),
        }
    }

    /// The program's message for it.
    pub fn message(&self) -> String {
        match self {
            ProgramError::Registry(e) => e.to_string(),
            ProgramError::Royalties(e) => e.to_string(),
            ProgramError::Escrow(e) => e.to_string(),
            ProgramError::Channels(e) => e.to_string(),
            ProgramError::Anchor { error, .. } => error.to_string(),
        }
    }
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} refused: {} ({}): {}",
            self.program(),
            self.name(),
            self.code(),
            self.message()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TesseraError {
    /// A Tessera program (or Anchor itself, codes below 6000) refused the instruction.
    #[error("{0}")]
    Program(ProgramError),
    /// The transaction failed for another reason (runtime or another program).
    #[error("transaction failed: {0}")]
    Transaction(#[source] TransactionError),
    /// The RPC client failed (transport, node error, timeout).
    #[error("RPC error: {0}")]
    Client(#[source] Box<ClientError>),
    /// The RPC node answered something unusable, or a local validator could not be run.
    #[error("RPC error: {0}")]
    Rpc(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{what} {address} not found")]
    NotFound { what: &'static str, address: Pubkey },
    /// Bad input, caught before anything is sent.
    #[error("{0}")]
    Invalid(String),
}

impl From<ClientError> for TesseraError {
    /// A client error that carries a transaction error is decoded as one; others are kept.
    fn from(err: ClientError) -> Self {
        from_client_error(err, &[])
    }
}

pub type Result<T> = std::result::Result<T, TesseraError>;

const REGISTRY_NAME: &str = "tessera-registry";
const ROYALTIES_NAME: &str = "tessera-royalties";
const ESCROW_NAME: &str = "tessera-escrow";
const CHANNELS_NAME: &str = "tessera-channels";

fn program_name(program: &Pubkey) -> Option<&'static str> {
    if *program == REGISTRY_ID {
        Some(REGISTRY_NAME)
    } else if *program == ROYALTIES_ID {
        Some(ROYALTIES_NAME)
    } else if *program == ESCROW_ID {
        Some(ESCROW_NAME)
    } else if *program == CHANNELS_ID {
        Some(CHANNELS_NAME)
    } else {
        None
    }
}

/// Anchor's own errors that Tessera's account constraints can raise.
const ANCHOR_ERRORS: &[ErrorCode] = &[
    ErrorCode::InstructionMissing,
    ErrorCode::InstructionFallbackNotFound,
    ErrorCode::InstructionDidNotDeserialize,
    ErrorCode::ConstraintMut,
    ErrorCode::ConstraintHasOne,
    ErrorCode::ConstraintSigner,
    ErrorCode::ConstraintRaw,
    ErrorCode::ConstraintOwner,
    ErrorCode::ConstraintSeeds,
    ErrorCode::ConstraintExecutable,
    ErrorCode::ConstraintAssociated,
    ErrorCode::ConstraintAddress,
    ErrorCode::ConstraintTokenMint,
    ErrorCode::ConstraintTokenOwner,
    ErrorCode::ConstraintMintMintAuthority,
    ErrorCode::ConstraintMintDecimals,
    ErrorCode::ConstraintDuplicateMutableAccount,
    ErrorCode::ConstraintMintTokenProgram,
    ErrorCode::AccountDiscriminatorNotFound,
    ErrorCode::AccountDiscriminatorMismatch,
    ErrorCode::AccountDidNotDeserialize,
    ErrorCode::AccountOwnedByWrongProgram,
    ErrorCode::InvalidProgramId,
    ErrorCode::InvalidProgramExecutable,
    ErrorCode::AccountNotSigner,
    ErrorCode::AccountNotSystemOwned,
    ErrorCode::AccountNotInitialized,
    ErrorCode::AccountNotProgramData,
    ErrorCode::TryingToInitPayerAsProgramAccount,
    ErrorCode::DeclaredProgramIdMismatch,
];

/// Names a custom error `code` returned by `program`, if it is a Tessera or Anchor error.
pub fn describe(program: &Pubkey, code: u32) -> Option<TesseraError> {
    ProgramError::decode(program, code).map(TesseraError::Program)
}

/// Turns an RPC client error into a `TesseraError`, naming program errors. `programs[i]` is
/// the program of the transaction's instruction `i`.
pub fn from_client_error(err: ClientError, programs: &[Pubkey]) -> TesseraError {
    match err.get_transaction_error() {
        Some(te) => from_transaction_error(te, programs),
        None => TesseraError::Client(Box::new(err)),
    }
}

/// Turns a transaction error (e.g. from a simulation) into a `TesseraError`.
pub fn from_transaction_error(te: TransactionError, programs: &[Pubkey]) -> TesseraError {
    if let TransactionError::InstructionError(index, InstructionError::Custom(code)) = &te {
        if let Some(e) = programs.get(usize::from(*index)).and_then(|p| describe(p, *code)) {
            return e;
        }
    }
    TesseraError::Transaction(te)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_program_and_anchor_errors_into_their_enums() {
        match describe(&REGISTRY_ID, 6000) {
            Some(TesseraError::Program(e @ ProgramError::Registry(RegistryError::FeeAboveCap))) => {
                assert_eq!((e.name().as_str(), e.code()), ("FeeAboveCap", 6000));
                assert!(e.message().contains("1,000 bps"));
            }
            other => panic!("{other:?}"),
        }
        match describe(&ROYALTIES_ID, 2006) {
            Some(TesseraError::Program(ProgramError::Anchor {
                program: "tessera-royalties",
                error: ErrorCode::ConstraintSeeds,
            })) => {}
            other => panic!("{other:?}"),
        }
        assert!(describe(&Pubkey::new_unique(), 6000).is_none());
        assert!(
            describe(&ESCROW_ID, 6999).is_none(),
            "a code the program does not define"
        );
        let e = from_transaction_error(
            TransactionError::InstructionError(1, InstructionError::Custom(6005)),
            &[Pubkey::new_unique(), ROYALTIES_ID],
        );
        assert!(
            matches!(
                e,
                TesseraError::Program(ProgramError::Royalties(RoyaltiesError::NothingToClaim))
            ),
            "{e}"
        );
        assert!(e.to_string().contains("NothingToClaim"), "{e}");
        let other = from_transaction_error(TransactionError::AccountNotFound, &[]);
        assert!(matches!(
            other,
            TesseraError::Transaction(TransactionError::AccountNotFound)
        ));
    }

    /// Every error the committed IDLs list decodes into its program's enum with the same name:
    /// the enums and the IDLs cannot drift apart.
    #[test]
    fn every_idl_error_decodes_to_the_same_name() {
        for (program, idl) in [
            (REGISTRY_ID, include_str!("../../idl/tessera_registry.json")),
            (ROYALTIES_ID, include_str!("../../idl/tessera_royalties.json")),
            (ESCROW_ID, include_str!("../../idl/tessera_escrow.json")),
            (CHANNELS_ID, include_str!("../../idl/tessera_channels.json")),
        ] {
            let v: serde_json::Value = serde_json::from_str(idl).unwrap();
            let errors = v["errors"].as_array().unwrap();
            assert!(!errors.is_empty());
            for e in errors {
                let code = e["code"].as_u64().unwrap() as u32;
                let decoded = ProgramError::decode(&program, code).unwrap_or_else(|| panic!("{program} {code}"));
                assert_eq!(decoded.name(), e["name"].as_str().unwrap());
                assert_eq!(decoded.code(), code);
            }
        }
    }
}
