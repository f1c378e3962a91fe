use anchor_lang::prelude::*;

use crate::{errors::EscrowError, events::JobOutcome, settlement::*, state::JobState};

/// The consumer confirms a delivery: the fee is released at once (protocol fee, model
/// royalty and its parents' shares, provider) and the job closes.
/// Remaining accounts: each parent of the model, in order: its split and that split's vault
/// (writable), which receive the parents' shares of the royalty (see `Settlement`).
#[event_cpi]
#[derive(Accounts)]
pub struct ConfirmJob<'info> {
    /// The job's consumer (checked against the job in validate).
    pub consumer_signer: Signer<'info>,
    pub settlement: Settlement<'info>,
}

impl<'info> ConfirmJob<'info> {
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
    pub fn confirm_job(ctx: Context<'info, Self>) -> Result<()> {
        let event = ctx
            .accounts
            .settlement
            .release(JobOutcome::Confirmed, ctx.remaining_accounts)?;
        emit_cpi!(event);
        Ok(())
    }
}
