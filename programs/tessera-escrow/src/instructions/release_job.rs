use anchor_lang::prelude::*;

use crate::{errors::EscrowError, events::JobOutcome, settlement::*, state::JobState};

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
        let event = ctx.accounts.settlement.release(JobOutcome::Released)?;
        emit_cpi!(event);
        Ok(())
    }
}
