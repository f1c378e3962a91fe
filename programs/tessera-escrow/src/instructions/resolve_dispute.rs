use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{constants::BPS_DENOMINATOR, errors::EscrowError, events::JobOutcome, settlement::*, state::JobState};

/// The job's arbiter (fixed at acceptance) divides a disputed fee before the dispute
/// deadline: `provider_share_bps` of it is paid out like a release (protocol fee, model
/// royalty and its parents' shares, provider), the rest and any vault surplus go back to the
/// consumer. A provider given less than half loses `min(job.slash_amount, its bond)` to the
/// consumer.
/// Remaining accounts: each parent of the model, in order: its split and that split's vault
/// (writable), which receive the parents' shares of the royalty (see `Settlement`).
#[event_cpi]
#[derive(Accounts)]
pub struct ResolveDispute<'info> {
    /// The job's arbiter (checked in validate).
    pub arbiter: Signer<'info>,
    pub settlement: Settlement<'info>,
    /// The provider's bond vault (address stored in the provider).
    #[account(mut, address = settlement.provider.bond_vault @ EscrowError::BondVaultMismatch)]
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl<'info> ResolveDispute<'info> {
    fn validate(&self, provider_share_bps: u16) -> Result<()> {
        // settlement: see `Settlement`. bond_vault: stored address. arbiter: signer, and:
        let job = &self.settlement.job;
        require_keys_eq!(self.arbiter.key(), job.arbiter, EscrowError::NotArbiter);
        require!(job.state == JobState::Disputed, EscrowError::InvalidJobState);
        require!(
            Clock::get()?.unix_timestamp < job.dispute_deadline,
            EscrowError::DisputeWindowClosed
        );
        require_gte!(BPS_DENOMINATOR, provider_share_bps, EscrowError::BpsAboveMax);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(provider_share_bps))]
    pub fn resolve_dispute(ctx: Context<'info, Self>, provider_share_bps: u16) -> Result<()> {
        let mut event = ctx.accounts.settlement.divide(
            provider_share_bps,
            JobOutcome::Resolved { provider_share_bps },
            ctx.remaining_accounts,
        )?;
        let lost = u32::from(provider_share_bps) * 2 < u32::from(BPS_DENOMINATOR);
        let mut bond_event = None;
        if lost {
            let s = &mut ctx.accounts.settlement;
            let slash_amount = s.job.slash_amount;
            let (slashed, e) = slash(
                &mut s.provider,
                &ctx.accounts.bond_vault,
                &s.mint,
                &s.token_program,
                s.consumer_token_account.to_account_info(),
                slash_amount,
            )?;
            event.slashed = slashed;
            bond_event = e;
        }
        ctx.accounts.settlement.record(!lost, lost)?;
        emit_cpi!(event);
        if let Some(e) = bond_event {
            emit_cpi!(e);
        }
        Ok(())
    }
}
