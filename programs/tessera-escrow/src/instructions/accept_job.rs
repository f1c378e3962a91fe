use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::EscrowError,
    events::JobAccepted,
    math,
    state::{EscrowConfig, Job, JobState, ModelProviders, Provider},
};

/// The provider's guards: the job it saw and the terms it accepts. The job's instance (its
/// input commitment and funding time: a job id reopened after a refund is another instance),
/// fee and windows, and the config's arbiter and dispute window (fixed on the job here) must be
/// exactly these, and the slash fixed on the job must not exceed `max_slash`. So neither the
/// consumer nor the admin can change what the provider agreed to between its decision and its
/// acceptance landing.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AcceptJobArgs {
    /// The job's input commitment.
    pub input_commitment: [u8; 32],
    /// When the job was funded (`job.funded_at`).
    pub funded_at: i64,
    /// The job's fee, in base units.
    pub fee: u64,
    pub delivery_window: u32,
    pub challenge_window: u32,
    /// The most of its bond the provider agrees to put at stake on this job.
    pub max_slash: u64,
    /// The arbiter the provider agrees to (the config's, fixed on the job).
    pub arbiter: Pubkey,
    /// The dispute window the provider agrees to (the config's, fixed on the job).
    pub dispute_window: u32,
}

/// A registered provider serving the job's model (and allowed by the model's publisher, if
/// it keeps an allow-list) accepts it within the accept window, on the terms it saw. The slash
/// at stake, the arbiter and the dispute window are fixed on the job now; the delivery window
/// starts.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptJob<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The escrow config (PDA with stored bump): the minimum bond of the provider's mint, the
    /// slash share and cap, the arbiter and the dispute window, fixed on the job here.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The provider (PDA of the authority, stored bump); `has_one = authority`.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The job (PDA with stored bump).
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
    )]
    pub job: Box<Account<'info, Job>>,
    /// CHECK: the model's allow-list, at `[MODEL_PROVIDERS_SEED, job.model]` (address checked
    /// by the seeds). Empty (never set): any provider serving the model may accept. Otherwise
    /// owned by this program (checked in validate) and the provider must be listed.
    #[account(seeds = [MODEL_PROVIDERS_SEED, job.model.as_ref()], bump)]
    pub model_providers: UncheckedAccount<'info>,
}

impl AcceptJob<'_> {
    /// The slash to fix on the job: `min(slash_bps × bond, max_slash_fee_multiple × fee)`.
    fn slash_amount(&self) -> Result<u64> {
        let c = &self.config;
        math::slash_amount(self.provider.bond, c.slash_bps, self.job.fee, c.max_slash_fee_multiple)
            .ok_or_else(|| error!(EscrowError::MathOverflow))
    }

    fn validate(&self, args: &AcceptJobArgs) -> Result<()> {
        // authority: signer + has_one. config, provider, job: PDAs with stored bumps.
        // model_providers: seeds; its owner and content below.
        let job = &self.job;
        let p = &self.provider;
        require!(job.state == JobState::Open, EscrowError::InvalidJobState);
        require!(
            Clock::get()?.unix_timestamp < job.accept_deadline,
            EscrowError::AcceptWindowClosed
        );
        if let Some(requested) = job.requested_provider {
            require_keys_eq!(requested, p.key(), EscrowError::NotRequestedProvider);
        }
        require!(p.serves(&job.model), EscrowError::ProviderDoesNotServeModel);
        require!(
            ModelProviders::admits(&self.model_providers, &self.provider.key())?,
            EscrowError::ProviderNotAllowed
        );
        require_keys_eq!(p.mint, job.mint, EscrowError::MintMismatch);
        let min_bond = self
            .config
            .min_bond(&p.mint)
            .ok_or_else(|| error!(EscrowError::MintNotBondable))?;
        require_gte!(p.bond, min_bond, EscrowError::BondBelowMinimum);
        require!(
            args.input_commitment == job.input_commitment
                && args.funded_at == job.funded_at
                && args.fee == job.fee
                && args.delivery_window == job.delivery_window
                && args.challenge_window == job.challenge_window,
            EscrowError::JobTermsChanged
        );
        require!(
            args.arbiter == self.config.arbiter && args.dispute_window == self.config.dispute_window,
            EscrowError::JobTermsChanged
        );
        require_gte!(args.max_slash, self.slash_amount()?, EscrowError::SlashAboveLimit);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn accept_job(ctx: Context<Self>, args: AcceptJobArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let slash_amount = ctx.accounts.slash_amount()?;
        let (arbiter, dispute_window) = (ctx.accounts.config.arbiter, ctx.accounts.config.dispute_window);
        let provider_key = ctx.accounts.provider.key();
        let p = &mut ctx.accounts.provider;
        p.open_jobs = p
            .open_jobs
            .checked_add(1)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let job = &mut ctx.accounts.job;
        job.state = JobState::Accepted;
        job.provider = provider_key;
        job.delivery_deadline = now
            .checked_add(i64::from(job.delivery_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        job.slash_amount = slash_amount;
        job.arbiter = arbiter;
        job.dispute_window = dispute_window;
        emit_cpi!(JobAccepted {
            job: job.key(),
            provider: provider_key,
            delivery_deadline: job.delivery_deadline,
            slash_amount,
            arbiter,
            dispute_window,
        });
        Ok(())
    }
}
