use anchor_lang::prelude::*;

use crate::{errors::EscrowError, events::JobOutcome, settlement::*, state::JobState};

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
        let event = ctx.accounts.settlement.release(JobOutcome::Confirmed)?;
        emit_cpi!(event);
        Ok(())
    }
}
