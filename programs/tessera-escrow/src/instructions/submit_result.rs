use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::ResultSubmitted,
    state::{Job, JobState, Provider},
};

/// The accepted provider delivers: it records a non-zero 32-byte commitment to the result
/// before the delivery deadline; the challenge window starts.
#[event_cpi]
#[derive(Accounts)]
pub struct SubmitResult<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The provider (PDA of the authority, stored bump); `has_one = authority`.
    #[account(
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The job (PDA with stored bump); accepted by this provider (validate).
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl SubmitResult<'_> {
    fn validate(&self, result_commitment: &[u8; 32]) -> Result<()> {
        // authority: signer + has_one. provider, job: PDAs with stored bumps.
        require!(self.job.state == JobState::Accepted, EscrowError::InvalidJobState);
        require_keys_eq!(self.job.provider, self.provider.key(), EscrowError::NotJobProvider);
        require!(
            Clock::get()?.unix_timestamp < self.job.delivery_deadline,
            EscrowError::DeliveryDeadlinePassed
        );
        require!(*result_commitment != [0; 32], EscrowError::ZeroResultCommitment);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&result_commitment))]
    pub fn submit_result(ctx: Context<Self>, result_commitment: [u8; 32]) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut ctx.accounts.job;
        job.state = JobState::Delivered;
        job.result_commitment = result_commitment;
        job.challenge_deadline = now
            .checked_add(i64::from(job.challenge_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        emit_cpi!(ResultSubmitted {
            job: job.key(),
            provider: job.provider,
            result_commitment,
            challenge_deadline: job.challenge_deadline,
        });
        Ok(())
    }
}
