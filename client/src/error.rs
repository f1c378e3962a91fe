//! The client's error type. A program refusal keeps the program's Anchor error name and
//! message, looked up in the IDLs built from the program sources (`idl/`).

use std::{collections::HashMap, sync::OnceLock};

use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use solana_client::client_error::ClientError;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

use crate::{ESCROW_ID, REGISTRY_ID, ROYALTIES_ID};

#[derive(Debug, thiserror::Error)]
pub enum TesseraError {
    /// A Tessera program (or Anchor itself, codes below 6000) refused the instruction.
    #[error("{program} refused: {name} ({code}): {message}")]
    Program {
        program: &'static str,
        code: u32,
        name: String,
        message: String,
    },
    /// The transaction failed for another reason (runtime or another program).
    #[error("transaction failed: {0}")]
    Transaction(String),
    #[error("RPC error: {0}")]
    Rpc(String),
    #[error("{what} {address} not found")]
    NotFound { what: &'static str, address: Pubkey },
    /// Bad input, caught before anything is sent.
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, TesseraError>;

/// `(program name, code) → (error name, message)` from the committed IDLs.
fn program_errors() -> &'static HashMap<(Pubkey, u32), (String, String)> {
    static TABLE: OnceLock<HashMap<(Pubkey, u32), (String, String)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for (program, idl) in [
            (REGISTRY_ID, include_str!("../../idl/tessera_registry.json")),
            (ROYALTIES_ID, include_str!("../../idl/tessera_royalties.json")),
            (ESCROW_ID, include_str!("../../idl/tessera_escrow.json")),
        ] {
            let v: serde_json::Value = serde_json::from_str(idl).expect("committed IDL is JSON");
            for e in v["errors"].as_array().into_iter().flatten() {
                if let (Some(code), Some(name)) = (e["code"].as_u64(), e["name"].as_str()) {
                    let msg = e["msg"].as_str().unwrap_or_default().to_string();
                    t.insert((program, code as u32), (name.to_string(), msg));
                }
            }
        }
        t
    })
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
    let program_name = if *program == REGISTRY_ID {
        "tessera-registry"
    } else if *program == ROYALTIES_ID {
        "tessera-royalties"
    } else if *program == ESCROW_ID {
        "tessera-escrow"
    } else {
        return None;
    };
    if let Some((name, message)) = program_errors().get(&(*program, code)) {
        return Some(TesseraError::Program {
            program: program_name,
            code,
            name: name.clone(),
            message: message.clone(),
        });
    }
    ANCHOR_ERRORS
        .iter()
        .find(|e| u32::from(**e) == code)
        .map(|e| TesseraError::Program {
            program: program_name,
            code,
            name: e.name(),
            message: e.to_string(),
        })
}

/// Turns an RPC client error into a `TesseraError`, naming program errors. `programs[i]` is
/// the program of the transaction's instruction `i`.
pub fn from_client_error(err: ClientError, programs: &[Pubkey]) -> TesseraError {
    match err.get_transaction_error() {
        Some(te) => from_transaction_error(te, programs),
        None => TesseraError::Rpc(err.to_string()),
    }
}

/// Turns a transaction error (e.g. from a simulation) into a `TesseraError`.
pub fn from_transaction_error(te: TransactionError, programs: &[Pubkey]) -> TesseraError {
    match te {
        TransactionError::InstructionError(index, InstructionError::Custom(code)) => programs
            .get(usize::from(index))
            .and_then(|p| describe(p, code))
            .unwrap_or_else(|| {
                TesseraError::Transaction(format!("instruction {index}: custom program error {code}"))
            }),
        te => TesseraError::Transaction(te.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_program_and_anchor_errors() {
        match describe(&REGISTRY_ID, 6000) {
            Some(TesseraError::Program { name, message, .. }) => {
                assert_eq!(name, "FeeAboveCap");
                assert!(message.contains("1,000 bps"));
            }
            other => panic!("{other:?}"),
        }
        match describe(&ROYALTIES_ID, 2006) {
            Some(TesseraError::Program { name, .. }) => assert_eq!(name, "ConstraintSeeds"),
            other => panic!("{other:?}"),
        }
        assert!(describe(&Pubkey::new_unique(), 6000).is_none());
        let e = from_transaction_error(
            TransactionError::InstructionError(1, InstructionError::Custom(6005)),
            &[Pubkey::new_unique(), ROYALTIES_ID],
        );
        assert!(e.to_string().contains("NothingToClaim"), "{e}");
    }
}
