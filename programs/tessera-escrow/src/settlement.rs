//! What settling a job needs, shared by `confirm_job`, `release_job` and `resolve_dispute`:
//! the accounts (a composite `Accounts` struct nested in each of them) and the transfers.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{
    self, CloseAccount, Mint, TokenAccount, TokenInterface, TransferChecked,
};
use tessera_royalties::{cpi::accounts::Deposit, program::TesseraRoyalties};

use crate::{
    constants::*,
    errors::EscrowError,
    events::{JobOutcome, JobSettled},
    math::Payout,
    state::{EscrowConfig, Job, Provider},
};

/// The accounts a settlement pays from and to.
#[derive(Accounts)]
pub struct Settlement<'info> {
    /// The escrow config (PDA with stored bump): names the treasury.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The job (PDA with stored bump); closed at the end, rent to the consumer who paid it.
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        close = consumer,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's escrow vault (address stored in the job); emptied and closed.
    #[account(mut, address = job.vault)]
    pub job_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: only receives lamports (the rents); must be the job's consumer (address).
    #[account(mut, address = job.consumer @ EscrowError::NotConsumer)]
    pub consumer: UncheckedAccount<'info>,
    /// The provider that accepted the job (address stored in the job; PDA with stored bump).
    #[account(
        mut,
        address = job.provider @ EscrowError::NotJobProvider,
        seeds = [PROVIDER_SEED, provider.authority.as_ref()],
        bump = provider.bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// Receives the provider's part: a `mint` account owned by the provider's authority.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = provider_token_account.owner == provider.authority @ EscrowError::WrongTokenAccountOwner,
    )]
    pub provider_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the protocol fee: a `mint` account owned by the config's treasury.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = treasury_token_account.owner == config.treasury @ EscrowError::TreasuryMismatch,
    )]
    pub treasury_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the model's split recorded in the job at opening (address); the royalties
    /// program checks its owner and seeds in `deposit`.
    #[account(mut, address = job.model_split @ EscrowError::SplitMismatch)]
    pub model_split: UncheckedAccount<'info>,
    /// CHECK: the split's vault; the royalties program's `deposit` checks it is `split.vault`.
    #[account(mut)]
    pub model_split_vault: UncheckedAccount<'info>,
    /// The job's mint (address stored in the job).
    #[account(address = job.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// SPL Token or Token-2022: owner of the mint and the vaults (constraints above).
    pub token_program: Interface<'info, TokenInterface>,
    pub royalties_program: Program<'info, TesseraRoyalties>,
    /// CHECK: the royalties program's event authority; checked by its `event_cpi` constraint.
    pub royalties_event_authority: UncheckedAccount<'info>,
}

impl<'info> Settlement<'info> {
    fn transfer_from_vault(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        transfer_from_job_vault(&self.job, &self.job_vault, &self.mint, &self.token_program, to, amount)
    }

    /// Pays a settlement out of the job's vault, then closes the vault (rent to the consumer).
    /// `consumer_token_account` is needed only when `payout.to_consumer > 0`.
    pub fn pay(
        &self,
        payout: &Payout,
        consumer_token_account: Option<AccountInfo<'info>>,
    ) -> Result<()> {
        self.transfer_from_vault(self.treasury_token_account.to_account_info(), payout.to_treasury)?;
        if payout.to_model_split > 0 {
            let id = self.job.job_id.to_le_bytes();
            let seeds = self.job.signer_seeds(&id);
            tessera_royalties::cpi::deposit(
                CpiContext::new_with_signer(
                    self.royalties_program.key(),
                    Deposit {
                        depositor: self.job.to_account_info(),
                        source: self.job_vault.to_account_info(),
                        split: self.model_split.to_account_info(),
                        vault: self.model_split_vault.to_account_info(),
                        mint: self.mint.to_account_info(),
                        token_program: self.token_program.to_account_info(),
                        event_authority: self.royalties_event_authority.to_account_info(),
                        program: self.royalties_program.to_account_info(),
                    },
                    &[&seeds],
                ),
                payout.to_model_split,
            )?;
        }
        self.transfer_from_vault(self.provider_token_account.to_account_info(), payout.to_provider)?;
        if payout.to_consumer > 0 {
            let to = consumer_token_account.ok_or_else(|| error!(EscrowError::WrongTokenAccountOwner))?;
            self.transfer_from_vault(to, payout.to_consumer)?;
        }
        close_job_vault(&self.job, &self.job_vault, &self.consumer, &self.token_program)
    }

    /// Releases the whole fee to the provider's side (protocol fee, model royalty, provider),
    /// closes the vault and records a completed job; returns the event to emit.
    pub fn release(&mut self, outcome: JobOutcome) -> Result<JobSettled> {
        let job = &self.job;
        let payout = crate::math::payout(job.fee, BPS_DENOMINATOR, job.fee_bps, job.royalty_bps)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        self.pay(&payout, None)?;
        self.record(true, false)?;
        Ok(JobSettled {
            job: self.job.key(),
            outcome,
            fee: self.job.fee,
            to_treasury: payout.to_treasury,
            to_model_split: payout.to_model_split,
            to_provider: payout.to_provider,
            to_consumer: 0,
            slashed: 0,
        })
    }

    /// Updates the provider's record for a settled job.
    pub fn record(&mut self, completed: bool, lost_dispute: bool) -> Result<()> {
        let p = &mut self.provider;
        p.open_jobs = p
            .open_jobs
            .checked_sub(1)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        if completed {
            p.jobs_completed = p.jobs_completed.saturating_add(1);
        }
        if lost_dispute {
            p.disputes_lost = p.disputes_lost.saturating_add(1);
        }
        Ok(())
    }
}

/// Transfers `amount` (nothing if 0) out of a job's vault, signed by the job PDA.
pub fn transfer_from_job_vault<'info>(
    job: &Account<'info, Job>,
    job_vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let id = job.job_id.to_le_bytes();
    let seeds = job.signer_seeds(&id);
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: job_vault.to_account_info(),
                mint: mint.to_account_info(),
                to,
                authority: job.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )
}

/// Closes an empty job vault, sending its rent to the consumer.
pub fn close_job_vault<'info>(
    job: &Account<'info, Job>,
    job_vault: &InterfaceAccount<'info, TokenAccount>,
    consumer: &AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
) -> Result<()> {
    let id = job.job_id.to_le_bytes();
    let seeds = job.signer_seeds(&id);
    token_interface::close_account(CpiContext::new_with_signer(
        token_program.key(),
        CloseAccount {
            account: job_vault.to_account_info(),
            destination: consumer.clone(),
            authority: job.to_account_info(),
        },
        &[&seeds],
    ))
}

/// Takes `slash_bps` of a provider's bond and pays it to `to`; returns the amount.
pub fn slash<'info>(
    provider: &mut Account<'info, Provider>,
    bond_vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    to: AccountInfo<'info>,
    slash_bps: u16,
) -> Result<u64> {
    let amount = crate::math::bps_of(provider.bond, slash_bps)
        .ok_or_else(|| error!(EscrowError::MathOverflow))?
        .min(bond_vault.amount);
    if amount == 0 {
        return Ok(0);
    }
    let seeds = provider.signer_seeds();
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: bond_vault.to_account_info(),
                mint: mint.to_account_info(),
                to,
                authority: provider.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )?;
    provider.bond = provider
        .bond
        .checked_sub(amount)
        .ok_or_else(|| error!(EscrowError::MathOverflow))?;
    Ok(amount)
}
