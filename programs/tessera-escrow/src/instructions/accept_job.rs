use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::JobAccepted,
    state::{EscrowConfig, Job, JobState, Provider},
};

/// A registered provider serving the job's model accepts it within the accept window; the
/// delivery window starts.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptJob<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The escrow config (PDA with stored bump): the minimum bond.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The provider (PDA of the authority, stored bump); `has_one = authority`.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The job (PDA with stored bump).
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl AcceptJob<'_> {
    fn validate(&self) -> Result<()> {
        // authority: signer + has_one. config, provider, job: PDAs with stored bumps.
        let job = &self.job;
        let p = &self.provider;
        require!(job.state == JobState::Open, EscrowError::InvalidJobState);
        require!(
            Clock::get()?.unix_timestamp < job.accept_deadline,
            EscrowError::AcceptWindowClosed
        );
        if let Some(requested) = job.requested_provider {
            require_keys_eq!(requested, p.key(), EscrowError::NotRequestedProvider);
        }
        require!(p.serves(&job.model), EscrowError::ProviderDoesNotServeModel);
        require_keys_eq!(p.mint, job.mint, EscrowError::MintMismatch);
        require_gte!(p.bond, self.config.min_bond, EscrowError::BondBelowMinimum);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_job(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let provider_key = ctx.accounts.provider.key();
        let p = &mut ctx.accounts.provider;
        p.open_jobs = p
            .open_jobs
            .checked_add(1)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let job = &mut ctx.accounts.job;
        job.state = JobState::Accepted;
        job.provider = provider_key;
        job.delivery_deadline = now
            .checked_add(i64::from(job.delivery_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        emit_cpi!(JobAccepted {
            job: job.key(),
            provider: provider_key,
            delivery_deadline: job.delivery_deadline,
        });
        Ok(())
    }
}
