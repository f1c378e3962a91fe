//! Builders for `tessera-royalties` instructions.

use anchor_lang::{
    prelude::Pubkey, solana_program::instruction::Instruction, system_program, InstructionData, ToAccountMetas,
};
use tessera_royalties::{
    accounts as acc, instruction as data,
    instructions::{CreateSplitArgs, ProposeSplitAuthorityArgs, UpdateSplitArgs},
};

use crate::{pda, ASSOCIATED_TOKEN_PROGRAM_ID, ROYALTIES_ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    super::build(ROYALTIES_ID, accounts, data)
}

fn event_authority() -> Pubkey {
    pda::event_authority(&ROYALTIES_ID)
}

/// `create_split` for a subject that signs (outside the registry: any keypair).
pub fn create_split(
    payer: &Pubkey,
    subject: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    args: CreateSplitArgs,
) -> Instruction {
    let split = pda::split(subject);
    build(
        acc::CreateSplit {
            payer: *payer,
            subject: *subject,
            split,
            mint: *mint,
            vault: pda::vault(&split),
            token_program: *token_program,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::CreateSplit { args },
    )
}

/// `deposit` from a token account of the depositor.
pub fn deposit(
    depositor: &Pubkey,
    source: &Pubkey,
    split: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::Deposit {
            depositor: *depositor,
            source: *source,
            split: *split,
            vault: pda::vault(split),
            mint: *mint,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::Deposit { amount },
    )
}

/// `claim` by the recipient into `destination` (a token account it owns).
pub fn claim(
    recipient: &Pubkey,
    split: &Pubkey,
    mint: &Pubkey,
    destination: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    build(
        acc::Claim {
            recipient: *recipient,
            split: *split,
            vault: pda::vault(split),
            mint: *mint,
            destination: *destination,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::Claim {},
    )
}

/// `claim_for`: `payer` pays `recipient` into the recipient's associated token account.
pub fn claim_for(
    payer: &Pubkey,
    recipient: &Pubkey,
    split: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    build(
        acc::ClaimFor {
            payer: *payer,
            recipient: *recipient,
            split: *split,
            vault: pda::vault(split),
            mint: *mint,
            destination: pda::ata(recipient, mint, token_program),
            token_program: *token_program,
            associated_token_program: ASSOCIATED_TOKEN_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::ClaimFor {},
    )
}

/// `update_split`, signed by the split's authority. `version` is the split's current version
/// (`Split::version`): it locates the `Parked` record the update creates if removed
/// recipients' balances no longer fit in the split.
pub fn update_split(authority: &Pubkey, split: &Pubkey, version: u32, args: UpdateSplitArgs) -> Instruction {
    build(
        acc::UpdateSplit {
            authority: *authority,
            split: *split,
            vault: pda::vault(split),
            parked: pda::parked(split, version),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::UpdateSplit { args },
    )
}

/// `sync` (permissionless): credits the split with what its vault holds beyond what the split
/// holds for its recipients (tokens sent by plain transfer).
pub fn sync(split: &Pubkey) -> Instruction {
    build(
        acc::SyncSplit {
            split: *split,
            vault: pda::vault(split),
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::Sync {},
    )
}

/// `claim_parked` (permissionless): pays `recipient` its balance in the `Parked` record of
/// `split` at `version` into `destination` (a `mint` token account the recipient owns); the
/// record's rent goes back to `rent_receiver` (its recorded payer) when it empties.
#[allow(clippy::too_many_arguments)]
pub fn claim_parked(
    caller: &Pubkey,
    recipient: &Pubkey,
    split: &Pubkey,
    version: u32,
    mint: &Pubkey,
    destination: &Pubkey,
    rent_receiver: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    build(
        acc::ClaimParked {
            caller: *caller,
            recipient: *recipient,
            split: *split,
            parked: pda::parked(split, version),
            vault: pda::vault(split),
            mint: *mint,
            destination: *destination,
            rent_receiver: *rent_receiver,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::ClaimParked {},
    )
}

/// `propose_split_authority`, signed by the current authority (`None` withdraws a proposal).
pub fn propose_split_authority(authority: &Pubkey, split: &Pubkey, new_authority: Option<Pubkey>) -> Instruction {
    build(
        acc::ProposeSplitAuthority {
            authority: *authority,
            split: *split,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::ProposeSplitAuthority {
            args: ProposeSplitAuthorityArgs { new_authority },
        },
    )
}

/// `accept_split_authority`, signed by the proposed authority.
pub fn accept_split_authority(new_authority: &Pubkey, split: &Pubkey) -> Instruction {
    build(
        acc::AcceptSplitAuthority {
            new_authority: *new_authority,
            split: *split,
            event_authority: event_authority(),
            program: ROYALTIES_ID,
        },
        data::AcceptSplitAuthority {},
    )
}
