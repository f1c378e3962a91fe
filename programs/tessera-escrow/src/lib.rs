//! Tessera escrow: paid model inference. A consumer opens a job for a registry model and its
//! fee waits in a per-job vault; a bonded provider accepts and delivers a result commitment;
//! the fee is released (protocol fee, the model's royalty share into its split, the provider),
//! refunded when a deadline is missed (slashing a provider that accepted), or divided by the
//! job's arbiter after a dispute (by a 50/50 default rule once the dispute deadline passed).
//!
//! Guarantees: every job can be driven to a terminal state by its own parties or by anyone
//! (refund after a deadline, release after the challenge window, default settlement after the
//! dispute deadline), whatever tokens or lamports strangers send to its addresses; the terms
//! that decide a committed job's money (protocol fee, slash amount, arbiter, dispute window)
//! are fixed on the job and no later config change reaches them.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod settlement;
pub mod state;

use instructions::*;

declare_id!("FzR89KuMAAUtmNNnenStDxWDc8kGbjCNtid8V1yGNKzU");

#[program]
pub mod tessera_escrow {
    use super::*;

    /// Creates the escrow config (upgrade authority only).
    pub fn initialize_config(ctx: Context<InitializeConfig>, args: InitializeConfigArgs) -> Result<()> {
        InitializeConfig::initialize_config(ctx, args)
    }

    /// Admin: changes the settings that are set (treasury, arbiter, fee, slash share and cap,
    /// minimum windows, dispute window, per-mint minimum bonds, unbonding delay); not the admin.
    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        UpdateConfig::update_config(ctx, args)
    }

    /// Admin: proposes its successor (first step of a two-step transfer).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        ProposeAdmin::propose_admin(ctx, new_admin)
    }

    /// The proposed admin accepts and becomes the admin.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        AcceptAdmin::accept_admin(ctx)
    }

    /// A model's publisher sets the providers allowed to accept jobs for it.
    pub fn set_model_providers(ctx: Context<SetModelProviders>, providers: Vec<Pubkey>) -> Result<()> {
        SetModelProviders::set_model_providers(ctx, providers)
    }

    /// A provider registers its endpoint and models, with an empty bond vault.
    pub fn register_provider(ctx: Context<RegisterProvider>, args: RegisterProviderArgs) -> Result<()> {
        RegisterProvider::register_provider(ctx, args)
    }

    /// A provider changes its endpoint or models.
    pub fn update_provider(ctx: Context<UpdateProvider>, args: RegisterProviderArgs) -> Result<()> {
        UpdateProvider::update_provider(ctx, args)
    }

    /// A provider adds to its bond.
    pub fn bond(ctx: Context<Bond>, amount: u64) -> Result<()> {
        Bond::bond(ctx, amount)
    }

    /// Anyone credits tokens sent straight to a provider's bond vault to its bond.
    pub fn sync_bond(ctx: Context<SyncBond>) -> Result<()> {
        SyncBond::sync_bond(ctx)
    }

    /// A provider asks to withdraw part of its bond after the unbonding delay.
    pub fn request_unbond(ctx: Context<RequestUnbond>, amount: u64) -> Result<()> {
        RequestUnbond::request_unbond(ctx, amount)
    }

    /// A provider withdraws the requested bond (delay elapsed, no open jobs).
    pub fn withdraw_bond(ctx: Context<WithdrawBond>) -> Result<()> {
        WithdrawBond::withdraw_bond(ctx)
    }

    /// A consumer opens and funds an inference job.
    pub fn open_job(ctx: Context<OpenJob>, args: OpenJobArgs) -> Result<()> {
        OpenJob::open_job(ctx, args)
    }

    /// A provider serving the model accepts the job, on the terms it saw (its guards).
    pub fn accept_job(ctx: Context<AcceptJob>, args: AcceptJobArgs) -> Result<()> {
        AcceptJob::accept_job(ctx, args)
    }

    /// The accepted provider submits its result commitment.
    pub fn submit_result(ctx: Context<SubmitResult>, result_commitment: [u8; 32]) -> Result<()> {
        SubmitResult::submit_result(ctx, result_commitment)
    }

    /// The consumer confirms the delivery; the fee is released at once.
    pub fn confirm_job<'info>(ctx: Context<'info, ConfirmJob<'info>>) -> Result<()> {
        ConfirmJob::confirm_job(ctx)
    }

    /// Anyone releases a delivered job after its challenge window.
    pub fn release_job<'info>(ctx: Context<'info, ReleaseJob<'info>>) -> Result<()> {
        ReleaseJob::release_job(ctx)
    }

    /// Anyone refunds a job whose accept or delivery deadline passed.
    pub fn refund_job(ctx: Context<RefundJob>) -> Result<()> {
        RefundJob::refund_job(ctx)
    }

    /// The consumer disputes a delivery within the challenge window.
    pub fn dispute_job(ctx: Context<DisputeJob>) -> Result<()> {
        DisputeJob::dispute_job(ctx)
    }

    /// The job's arbiter divides a disputed fee between provider and consumer.
    pub fn resolve_dispute<'info>(ctx: Context<'info, ResolveDispute<'info>>, provider_share_bps: u16) -> Result<()> {
        ResolveDispute::resolve_dispute(ctx, provider_share_bps)
    }

    /// Anyone settles a dispute unresolved after its deadline: half each, no slash.
    pub fn settle_dispute<'info>(ctx: Context<'info, SettleDispute<'info>>) -> Result<()> {
        SettleDispute::settle_dispute(ctx)
    }
}
