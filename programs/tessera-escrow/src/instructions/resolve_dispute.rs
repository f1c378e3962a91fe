use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{
    constants::BPS_DENOMINATOR,
    errors::EscrowError,
    events::{JobOutcome, JobSettled},
    math,
    settlement::*,
    state::JobState,
};

/// The arbiter divides a disputed fee: `provider_share_bps` of it is paid out like a release
/// (protocol fee, model royalty, provider), the rest goes back to the consumer. A provider
/// given less than half is slashed like a missed deadline.
#[event_cpi]
#[derive(Accounts)]
pub struct ResolveDispute<'info> {
    /// The config's arbiter (checked in validate).
    pub arbiter: Signer<'info>,
    pub settlement: Settlement<'info>,
    /// Receives the consumer's part and any slash: a job-mint account owned by the consumer.
    #[account(
        mut,
        token::mint = settlement.mint,
        token::token_program = settlement.token_program,
        constraint = consumer_token_account.owner == settlement.job.consumer @ EscrowError::WrongTokenAccountOwner,
    )]
    pub consumer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The provider's bond vault (address stored in the provider).
    #[account(mut, address = settlement.provider.bond_vault @ EscrowError::BondVaultMismatch)]
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl ResolveDispute<'_> {
    fn validate(&self, provider_share_bps: u16) -> Result<()> {
        // settlement: see `Settlement`. consumer_token_account: mint + owner. bond_vault: stored.
        require_keys_eq!(
            self.arbiter.key(),
            self.settlement.config.arbiter,
            EscrowError::NotArbiter
        );
        require!(
            self.settlement.job.state == JobState::Disputed,
            EscrowError::InvalidJobState
        );
        require_gte!(BPS_DENOMINATOR, provider_share_bps, EscrowError::BpsAboveMax);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(provider_share_bps))]
    pub fn resolve_dispute(ctx: Context<Self>, provider_share_bps: u16) -> Result<()> {
        let job = &ctx.accounts.settlement.job;
        let payout = math::payout(job.fee, provider_share_bps, job.fee_bps, job.royalty_bps)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let consumer_account = ctx.accounts.consumer_token_account.to_account_info();
        ctx.accounts.settlement.pay(&payout, Some(consumer_account.clone()))?;
        let lost = u32::from(provider_share_bps) * 2 < u32::from(BPS_DENOMINATOR);
        let slashed = if lost {
            let slash_bps = ctx.accounts.settlement.config.slash_bps;
            let s = &mut ctx.accounts.settlement;
            slash(
                &mut s.provider,
                &ctx.accounts.bond_vault,
                &s.mint,
                &s.token_program,
                consumer_account,
                slash_bps,
            )?
        } else {
            0
        };
        ctx.accounts.settlement.record(!lost, lost)?;
        let job = &ctx.accounts.settlement.job;
        emit_cpi!(JobSettled {
            job: job.key(),
            outcome: JobOutcome::Resolved { provider_share_bps },
            fee: job.fee,
            to_treasury: payout.to_treasury,
            to_model_split: payout.to_model_split,
            to_provider: payout.to_provider,
            to_consumer: payout.to_consumer,
            slashed,
        });
        Ok(())
    }
}
