use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::JobDisputed,
    state::{Job, JobState},
};

/// The consumer disputes a delivery within the challenge window. The job's arbiter decides
/// within the job's dispute window (fixed at acceptance); after the dispute deadline set here,
/// anyone settles by the default rule (`settle_dispute`).
#[event_cpi]
#[derive(Accounts)]
pub struct DisputeJob<'info> {
    /// The job's consumer.
    pub consumer: Signer<'info>,
    /// The job (PDA with stored bump); `has_one = consumer`.
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        has_one = consumer @ EscrowError::NotConsumer,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl DisputeJob<'_> {
    fn validate(&self) -> Result<()> {
        // consumer: signer + has_one. job: PDA with stored bump.
        require!(self.job.state == JobState::Delivered, EscrowError::InvalidJobState);
        require!(
            Clock::get()?.unix_timestamp < self.job.challenge_deadline,
            EscrowError::ChallengeWindowClosed
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn dispute_job(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut ctx.accounts.job;
        job.state = JobState::Disputed;
        job.dispute_deadline = now
            .checked_add(i64::from(job.dispute_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        emit_cpi!(JobDisputed {
            job: job.key(),
            consumer: job.consumer,
            dispute_deadline: job.dispute_deadline,
        });
        Ok(())
    }
}
