use anchor_lang::prelude::*;

use crate::{
    errors::EscrowError,
    events::{JobOutcome, JobSettled},
    math,
    settlement::*,
    state::JobState,
};

/// Anyone releases a delivered, undisputed job once its challenge window has closed.
#[event_cpi]
#[derive(Accounts)]
pub struct ReleaseJob<'info> {
    /// Anyone (pays the transaction fee).
    pub caller: Signer<'info>,
    pub settlement: Settlement<'info>,
}

impl ReleaseJob<'_> {
    fn validate(&self) -> Result<()> {
        // caller: signer. settlement: see `Settlement`.
        let job = &self.settlement.job;
        require!(job.state == JobState::Delivered, EscrowError::InvalidJobState);
        require!(
            Clock::get()?.unix_timestamp >= job.challenge_deadline,
            EscrowError::ChallengeWindowOpen
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn release_job(ctx: Context<Self>) -> Result<()> {
        let job = &ctx.accounts.settlement.job;
        let payout = math::payout(job.fee, 10_000, job.fee_bps, job.royalty_bps)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        ctx.accounts.settlement.pay(&payout, None)?;
        ctx.accounts.settlement.record(true, false)?;
        let job = &ctx.accounts.settlement.job;
        emit_cpi!(JobSettled {
            job: job.key(),
            outcome: JobOutcome::Released,
            fee: job.fee,
            to_treasury: payout.to_treasury,
            to_model_split: payout.to_model_split,
            to_provider: payout.to_provider,
            to_consumer: 0,
            slashed: 0,
        });
        Ok(())
    }
}
