use anchor_lang::prelude::*;

use crate::{errors::EscrowError, events::JobOutcome, settlement::*, state::JobState};

/// Anyone releases a delivered, undisputed job once its challenge window has closed.
/// Remaining accounts: each parent of the model, in order: its split and that split's vault
/// (writable), which receive the parents' shares of the royalty (see `Settlement`).
#[event_cpi]
#[derive(Accounts)]
pub struct ReleaseJob<'info> {
    /// Anyone (pays the transaction fee).
    pub caller: Signer<'info>,
    pub settlement: Settlement<'info>,
}

impl<'info> ReleaseJob<'info> {
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
    pub fn release_job(ctx: Context<'info, Self>) -> Result<()> {
        let event = ctx
            .accounts
            .settlement
            .release(JobOutcome::Released, ctx.remaining_accounts)?;
        emit_cpi!(event);
        Ok(())
    }
}
