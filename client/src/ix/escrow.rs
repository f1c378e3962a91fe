//! Builders for `tessera-escrow` instructions.

use anchor_lang::{
    prelude::Pubkey,
    solana_program::instruction::{AccountMeta, Instruction},
    system_program, InstructionData, ToAccountMetas,
};
use tessera_escrow::{
    accounts as acc, instruction as data,
    instructions::{AcceptJobArgs, InitializeConfigArgs, OpenJobArgs, RegisterProviderArgs, UpdateConfigArgs},
    state::{EscrowConfig, Job},
};

use super::with_writable_mint;
use crate::{pda, ESCROW_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_PROGRAM_ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    super::build(ESCROW_ID, accounts, data)
}

fn event_authority() -> Pubkey {
    pda::event_authority(&ESCROW_ID)
}

/// `initialize_config`, signed by the escrow program's upgrade authority.
pub fn initialize_config(upgrade_authority: &Pubkey, args: InitializeConfigArgs) -> Instruction {
    build(
        acc::InitializeConfig {
            upgrade_authority: *upgrade_authority,
            config: pda::escrow_config(),
            program_data: pda::program_data(&ESCROW_ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::InitializeConfig { args },
    )
}

/// `update_config`, signed by the admin: the fields set in `args` replace the stored ones (a
/// whole [`tessera_escrow::state::EscrowSettings`] converts into arguments that set every field).
pub fn update_config(admin: &Pubkey, args: impl Into<UpdateConfigArgs>) -> Instruction {
    build(
        acc::UpdateConfig {
            admin: *admin,
            config: pda::escrow_config(),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::UpdateConfig { args: args.into() },
    )
}

/// `propose_admin`, signed by the admin: `new_admin` takes over once it signs `accept_admin`.
pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(
        acc::ProposeAdmin {
            admin: *admin,
            config: pda::escrow_config(),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::ProposeAdmin { new_admin: *new_admin },
    )
}

/// `accept_admin`, signed by the proposed admin.
pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        acc::AcceptAdmin {
            new_admin: *new_admin,
            config: pda::escrow_config(),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::AcceptAdmin {},
    )
}

/// `set_model_providers`, signed by the model's publisher (pays the list's rent the first
/// time).
pub fn set_model_providers(publisher: &Pubkey, model: &Pubkey, providers: Vec<Pubkey>) -> Instruction {
    build(
        acc::SetModelProviders {
            publisher: *publisher,
            model: *model,
            model_providers: pda::model_providers(model),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::SetModelProviders { providers },
    )
}

/// `sync_bond` (permissionless): credits tokens sent straight to the provider's bond vault.
pub fn sync_bond(provider: &Pubkey) -> Instruction {
    build(
        acc::SyncBond {
            provider: *provider,
            bond_vault: pda::bond_vault(provider),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::SyncBond {},
    )
}

/// `register_provider`: the authority registers with a bond vault in `mint`.
pub fn register_provider(
    authority: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    args: RegisterProviderArgs,
) -> Instruction {
    let provider = pda::provider(authority);
    build(
        acc::RegisterProvider {
            authority: *authority,
            provider,
            mint: *mint,
            bond_vault: pda::bond_vault(&provider),
            token_program: *token_program,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::RegisterProvider { args },
    )
}

/// `update_provider`.
pub fn update_provider(authority: &Pubkey, args: RegisterProviderArgs) -> Instruction {
    build(
        acc::UpdateProvider {
            authority: *authority,
            provider: pda::provider(authority),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::UpdateProvider { args },
    )
}

/// `bond`: adds `amount` from `source` (a token account of the authority).
pub fn bond(authority: &Pubkey, source: &Pubkey, mint: &Pubkey, token_program: &Pubkey, amount: u64) -> Instruction {
    let provider = pda::provider(authority);
    build(
        acc::Bond {
            authority: *authority,
            provider,
            bond_vault: pda::bond_vault(&provider),
            source: *source,
            mint: *mint,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::Bond { amount },
    )
}

/// `request_unbond`.
pub fn request_unbond(authority: &Pubkey, amount: u64) -> Instruction {
    build(
        acc::RequestUnbond {
            authority: *authority,
            config: pda::escrow_config(),
            provider: pda::provider(authority),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::RequestUnbond { amount },
    )
}

/// `withdraw_bond` into `destination` (a token account of the authority).
pub fn withdraw_bond(authority: &Pubkey, destination: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Instruction {
    let provider = pda::provider(authority);
    build(
        acc::WithdrawBond {
            authority: *authority,
            provider,
            bond_vault: pda::bond_vault(&provider),
            destination: *destination,
            mint: *mint,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::WithdrawBond {},
    )
}

/// Where an opening consumer pays from, and its access proof for gated models.
pub struct OpenJobAccounts {
    pub consumer: Pubkey,
    pub model: Pubkey,
    pub mint: Pubkey,
    pub consumer_token_account: Pubkey,
    pub token_program: Pubkey,
    /// For access-gated models: pass the consumer's pass and access-token account.
    pub gated: bool,
}

/// `open_job`.
pub fn open_job(a: &OpenJobAccounts, args: OpenJobArgs) -> Instruction {
    let job = pda::job(&a.consumer, args.job_id);
    let (pass, consumer_access_account) = if a.gated {
        let access_mint = pda::access_mint(&a.model);
        (
            Some(pda::pass(&a.model, &a.consumer)),
            Some(pda::ata(&a.consumer, &access_mint, &TOKEN_PROGRAM_ID)),
        )
    } else {
        (None, None)
    };
    build(
        acc::OpenJob {
            config: pda::escrow_config(),
            consumer: a.consumer,
            model: a.model,
            job,
            job_vault: pda::job_vault(&job),
            mint: a.mint,
            consumer_token_account: a.consumer_token_account,
            pass,
            consumer_access_account,
            registry_program: REGISTRY_ID,
            token_program: a.token_program,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::OpenJob { args },
    )
}

/// The guards of a provider accepting `job` as it reads it, with at most `max_slash` of its
/// bond at stake.
pub fn accept_terms(job: &Job, config: &EscrowConfig, max_slash: u64) -> AcceptJobArgs {
    AcceptJobArgs {
        input_commitment: job.input_commitment,
        funded_at: job.funded_at,
        fee: job.fee,
        delivery_window: job.delivery_window,
        challenge_window: job.challenge_window,
        max_slash,
        arbiter: config.arbiter,
        dispute_window: config.dispute_window,
    }
}

/// `accept_job`, signed by the provider's authority, on the terms of `job` as fetched (see
/// [`accept_terms`]).
pub fn accept_job(
    authority: &Pubkey,
    job_key: &Pubkey,
    job: &Job,
    config: &EscrowConfig,
    max_slash: u64,
) -> Instruction {
    accept_job_with(authority, job_key, &job.model, accept_terms(job, config, max_slash))
}

/// `accept_job` with explicit guards; `model` is the job's model (its allow-list address).
pub fn accept_job_with(authority: &Pubkey, job_key: &Pubkey, model: &Pubkey, args: AcceptJobArgs) -> Instruction {
    build(
        acc::AcceptJob {
            authority: *authority,
            config: pda::escrow_config(),
            provider: pda::provider(authority),
            job: *job_key,
            model_providers: pda::model_providers(model),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::AcceptJob { args },
    )
}

/// `submit_result`, signed by the provider's authority.
pub fn submit_result(authority: &Pubkey, job: &Pubkey, result_commitment: [u8; 32]) -> Instruction {
    build(
        acc::SubmitResult {
            authority: *authority,
            provider: pda::provider(authority),
            job: *job,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::SubmitResult { result_commitment },
    )
}

/// `dispute_job`, signed by the consumer.
pub fn dispute_job(consumer: &Pubkey, job: &Pubkey) -> Instruction {
    build(
        acc::DisputeJob {
            consumer: *consumer,
            job: *job,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::DisputeJob {},
    )
}

/// The payees of a settlement: the provider's authority's and the treasury's token accounts,
/// and the splits of the model's parents (the model asset's `parents[i].split`, in order),
/// which receive the parents' shares of the royalty. (The consumer's account, which receives
/// its part and the vault's surplus, is passed separately: the consumer's associated token
/// account by default.)
#[derive(Clone, Debug)]
pub struct SettleAccounts {
    pub provider_token_account: Pubkey,
    pub treasury_token_account: Pubkey,
    pub token_program: Pubkey,
    pub parent_splits: Vec<Pubkey>,
}

/// A settlement instruction as the program takes it: the mint writable for Token-2022 (the
/// vault's withheld fees are harvested before it closes), and each parent's split and vault
/// appended as remaining accounts.
fn settlement_ix(mut ix: Instruction, job: &Job, s: &SettleAccounts) -> Instruction {
    for split in &s.parent_splits {
        ix.accounts.push(AccountMeta::new(*split, false));
        ix.accounts.push(AccountMeta::new(pda::vault(split), false));
    }
    with_writable_mint(ix, &job.mint, &s.token_program)
}

/// The consumer's associated token account for the job's mint: where `confirm_job`,
/// `release_job` and `settle_dispute` pay the consumer's part and the vault's surplus. It must
/// exist (anyone may create it).
pub fn consumer_ata(job: &Job, token_program: &Pubkey) -> Pubkey {
    pda::ata(&job.consumer, &job.mint, token_program)
}

fn settlement(job_key: &Pubkey, job: &Job, s: &SettleAccounts, consumer_token_account: &Pubkey) -> acc::Settlement {
    acc::Settlement {
        config: pda::escrow_config(),
        job: *job_key,
        job_vault: job.vault,
        consumer: job.consumer,
        consumer_token_account: *consumer_token_account,
        provider: job.provider,
        provider_token_account: s.provider_token_account,
        treasury_token_account: s.treasury_token_account,
        model_split: job.model_split,
        model_split_vault: pda::vault(&job.model_split),
        model: job.model,
        mint: job.mint,
        token_program: s.token_program,
        royalties_program: ROYALTIES_ID,
        royalties_event_authority: pda::event_authority(&ROYALTIES_ID),
    }
}

/// `confirm_job`, signed by the consumer.
pub fn confirm_job(job_key: &Pubkey, job: &Job, s: &SettleAccounts) -> Instruction {
    let ix = build(
        acc::ConfirmJob {
            consumer_signer: job.consumer,
            settlement: settlement(job_key, job, s, &consumer_ata(job, &s.token_program)),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::ConfirmJob {},
    );
    settlement_ix(ix, job, s)
}

/// `release_job`, signed by anyone (`caller`).
pub fn release_job(caller: &Pubkey, job_key: &Pubkey, job: &Job, s: &SettleAccounts) -> Instruction {
    let ix = build(
        acc::ReleaseJob {
            caller: *caller,
            settlement: settlement(job_key, job, s, &consumer_ata(job, &s.token_program)),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::ReleaseJob {},
    );
    settlement_ix(ix, job, s)
}

/// `settle_dispute`, signed by anyone (`caller`) once the dispute deadline passed: the
/// default rule (half each, no slash); the consumer's half and any surplus go to
/// `consumer_token_account`.
pub fn settle_dispute(
    caller: &Pubkey,
    job_key: &Pubkey,
    job: &Job,
    s: &SettleAccounts,
    consumer_token_account: &Pubkey,
) -> Instruction {
    let ix = build(
        acc::SettleDispute {
            caller: *caller,
            settlement: settlement(job_key, job, s, consumer_token_account),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::SettleDispute {},
    );
    settlement_ix(ix, job, s)
}

/// `resolve_dispute`, signed by the arbiter.
pub fn resolve_dispute(
    arbiter: &Pubkey,
    job_key: &Pubkey,
    job: &Job,
    s: &SettleAccounts,
    consumer_token_account: &Pubkey,
    provider_share_bps: u16,
) -> Instruction {
    let ix = build(
        acc::ResolveDispute {
            arbiter: *arbiter,
            settlement: settlement(job_key, job, s, consumer_token_account),
            bond_vault: pda::bond_vault(&job.provider),
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::ResolveDispute { provider_share_bps },
    );
    settlement_ix(ix, job, s)
}

/// `refund_job`, signed by anyone (`caller`); passes the provider accounts when the job was
/// accepted.
pub fn refund_job(
    caller: &Pubkey,
    job_key: &Pubkey,
    job: &Job,
    consumer_token_account: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    let accepted = job.provider != Pubkey::default();
    let ix = build(
        acc::RefundJob {
            caller: *caller,
            job: *job_key,
            job_vault: job.vault,
            consumer: job.consumer,
            consumer_token_account: *consumer_token_account,
            provider: accepted.then_some(job.provider),
            bond_vault: accepted.then(|| pda::bond_vault(&job.provider)),
            mint: job.mint,
            token_program: *token_program,
            event_authority: event_authority(),
            program: ESCROW_ID,
        },
        data::RefundJob {},
    );
    with_writable_mint(ix, &job.mint, token_program)
}
