use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::*,
    errors::EscrowError,
    events::{JobOutcome, JobSettled},
    settlement::{close_job_vault, harvest_job_vault, slash, transfer_from_job_vault},
    state::{Job, JobState, Provider},
};

/// Anyone refunds the consumer in full when nobody accepted within the accept window, or when
/// the accepted provider missed its delivery deadline — in which case the provider also loses
/// `min(job.slash_amount, its bond)` (fixed at acceptance) to the consumer. Any surplus in the
/// vault goes to the consumer too; the job closes. Reads nothing from the config.
#[event_cpi]
#[derive(Accounts)]
pub struct RefundJob<'info> {
    /// Anyone (pays the transaction fee).
    pub caller: Signer<'info>,
    /// The job (PDA with stored bump); closed, rent to the consumer.
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        close = consumer,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's escrow vault (address stored in the job).
    #[account(mut, address = job.vault)]
    pub job_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: only receives lamports (the rents); must be the job's consumer (address).
    #[account(mut, address = job.consumer @ EscrowError::NotConsumer)]
    pub consumer: UncheckedAccount<'info>,
    /// Receives the refund and any slash: a job-mint account owned by the consumer.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = consumer_token_account.owner == job.consumer @ EscrowError::WrongTokenAccountOwner,
    )]
    pub consumer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Accepted jobs only: the provider that accepted (address checked in validate).
    #[account(mut)]
    pub provider: Option<Box<Account<'info, Provider>>>,
    /// Accepted jobs only: the provider's bond vault (address checked in validate).
    #[account(mut)]
    pub bond_vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    /// The job's mint (address stored in the job); writable when the vault holds withheld
    /// transfer fees to harvest (Token-2022, see `harvest_job_vault`).
    #[account(address = job.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl RefundJob<'_> {
    fn validate(&self) -> Result<()> {
        // caller: signer. job: PDA. job_vault, mint, consumer: stored addresses.
        // consumer_token_account: mint + owner. Deadlines and the provider accounts:
        let now = Clock::get()?.unix_timestamp;
        let job = &self.job;
        match job.state {
            JobState::Open => {
                require_gte!(now, job.accept_deadline, EscrowError::AcceptWindowOpen)
            }
            JobState::Accepted => {
                require_gte!(now, job.delivery_deadline, EscrowError::DeliveryDeadlineNotPassed);
                let provider = self
                    .provider
                    .as_ref()
                    .ok_or_else(|| error!(EscrowError::NotJobProvider))?;
                require_keys_eq!(provider.key(), job.provider, EscrowError::NotJobProvider);
                let vault = self
                    .bond_vault
                    .as_ref()
                    .ok_or_else(|| error!(EscrowError::BondVaultMismatch))?;
                require_keys_eq!(vault.key(), provider.bond_vault, EscrowError::BondVaultMismatch);
            }
            JobState::Delivered | JobState::Disputed => return err!(EscrowError::InvalidJobState),
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn refund_job(ctx: Context<Self>) -> Result<()> {
        let a = &mut *ctx.accounts;
        let fee = a.job.fee;
        // The fee and any surplus: the whole vault.
        let all = a.job_vault.amount;
        let surplus = all.checked_sub(fee).ok_or_else(|| error!(EscrowError::MathOverflow))?;
        transfer_from_job_vault(
            &a.job,
            &a.job_vault,
            &a.mint,
            &a.token_program,
            a.consumer_token_account.to_account_info(),
            all,
        )?;
        harvest_job_vault(&a.job_vault, &a.mint, &a.token_program)?;
        close_job_vault(&a.job, &a.job_vault, &a.consumer, &a.token_program)?;

        let mut bond_event = None;
        let slash_amount = a.job.slash_amount;
        let (outcome, slashed) = match (a.job.state, a.provider.as_mut(), a.bond_vault.as_ref()) {
            (JobState::Accepted, Some(provider), Some(bond_vault)) => {
                let (slashed, e) = slash(
                    provider,
                    bond_vault,
                    &a.mint,
                    &a.token_program,
                    a.consumer_token_account.to_account_info(),
                    slash_amount,
                )?;
                bond_event = e;
                provider.open_jobs = provider
                    .open_jobs
                    .checked_sub(1)
                    .ok_or_else(|| error!(EscrowError::MathOverflow))?;
                provider.jobs_refunded = provider.jobs_refunded.saturating_add(1);
                (JobOutcome::RefundedUndelivered, slashed)
            }
            _ => (JobOutcome::RefundedUnaccepted, 0),
        };
        let job_key = a.job.key();
        emit_cpi!(JobSettled {
            job: job_key,
            outcome,
            fee,
            to_treasury: 0,
            to_model_split: 0,
            to_provider: 0,
            to_consumer: fee,
            slashed,
            surplus,
            to_parents: vec![],
        });
        if let Some(e) = bond_event {
            emit_cpi!(e);
        }
        Ok(())
    }
}
