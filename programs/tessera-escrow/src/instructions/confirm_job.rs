use anchor_lang::prelude::*;

use crate::{
    errors::EscrowError,
    events::{JobOutcome, JobSettled},
    math,
    settlement::*,
    state::JobState,
};

/// The consumer confirms a delivery: the fee is released at once (protocol fee, model
/// royalty, provider) and the job closes.
#[event_cpi]
#[derive(Accounts)]
pub struct ConfirmJob<'info> {
    /// The job's consumer (checked against the job in validate).
    pub consumer_signer: Signer<'info>,
    pub settlement: Settlement<'info>,
}

impl ConfirmJob<'_> {
    fn validate(&self) -> Result<()> {
        // settlement: see `Settlement`. consumer_signer: signer, and the job's consumer:
        require_keys_eq!(
            self.consumer_signer.key(),
            self.settlement.job.consumer,
            EscrowError::NotConsumer
        );
        require!(
            self.settlement.job.state == JobState::Delivered,
            EscrowError::InvalidJobState
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn confirm_job(ctx: Context<Self>) -> Result<()> {
        let job = &ctx.accounts.settlement.job;
        let payout = math::payout(job.fee, 10_000, job.fee_bps, job.royalty_bps)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        ctx.accounts.settlement.pay(&payout, None)?;
        ctx.accounts.settlement.record(true, false)?;
        let job = &ctx.accounts.settlement.job;
        emit_cpi!(JobSettled {
            job: job.key(),
            outcome: JobOutcome::Confirmed,
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
