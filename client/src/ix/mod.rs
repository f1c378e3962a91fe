//! Instruction builders for every instruction of the Tessera programs.

pub mod channels;
pub mod escrow;
pub mod registry;
pub mod royalties;

use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, InstructionData, ToAccountMetas};

/// An instruction of `program_id` from Anchor's generated accounts and data types.
fn build(program_id: Pubkey, accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// In Token-2022, an instruction that closes a vault (a job settlement or refund, a channel
/// close) first harvests the vault's withheld transfer fees into the mint, which needs the mint
/// writable: marks it so (nothing for SPL Token).
fn with_writable_mint(mut ix: Instruction, mint: &Pubkey, token_program: &Pubkey) -> Instruction {
    if *token_program == crate::TOKEN_2022_PROGRAM_ID {
        ix.accounts
            .iter_mut()
            .filter(|m| m.pubkey == *mint)
            .for_each(|m| m.is_writable = true);
    }
    ix
}
