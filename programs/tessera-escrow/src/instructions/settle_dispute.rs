use anchor_lang::prelude::*;

use crate::{
    constants::DEFAULT_PROVIDER_SHARE_BPS, errors::EscrowError, events::JobOutcome, settlement::*, state::JobState,
};

/// Anyone settles a dispute the arbiter did not resolve by its deadline, by the default rule:
/// the fee is divided 50/50 (`provider_share_bps = 5,000`, paid like `resolve_dispute`:
/// protocol fee and model royalty out of the provider's half), any vault surplus goes to the
/// consumer, and the provider is not slashed.
/// Remaining accounts: each parent of the model, in order: its split and that split's vault
/// (writable), which receive the parents' shares of the royalty (see `Settlement`).
#[event_cpi]
#[derive(Accounts)]
pub struct SettleDispute<'info> {
    /// Anyone (pays the transaction fee).
    pub caller: Signer<'info>,
    pub settlement: Settlement<'info>,
}

impl<'info> SettleDispute<'info> {
    fn validate(&self) -> Result<()> {
        // caller: signer. settlement: see `Settlement`.
        let job = &self.settlement.job;
        require!(job.state == JobState::Disputed, EscrowError::InvalidJobState);
        require_gte!(
            Clock::get()?.unix_timestamp,
            job.dispute_deadline,
            EscrowError::DisputeWindowOpen
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn settle_dispute(ctx: Context<'info, Self>) -> Result<()> {
        let share = DEFAULT_PROVIDER_SHARE_BPS;
        let event = ctx.accounts.settlement.divide(
            share,
            JobOutcome::SettledByDefault {
                provider_share_bps: share,
            },
            ctx.remaining_accounts,
        )?;
        ctx.accounts.settlement.record(true, false)?;
        emit_cpi!(event);
        Ok(())
    }
}
