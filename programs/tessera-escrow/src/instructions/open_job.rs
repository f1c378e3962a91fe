use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use tessera_common::create::{create_pda_account, init_token_account_pda, write_account};
use tessera_registry::{
    cpi::accounts::VerifyAccess,
    program::TesseraRegistry,
    state::{AccessPass, Asset, AssetKind, AssetState},
};

use crate::{
    constants::*,
    errors::EscrowError,
    events::JobOpened,
    settlement::token_amount,
    state::{EscrowConfig, Job, JobState},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OpenJobArgs {
    /// Chosen by the consumer; part of the job's address.
    pub job_id: u64,
    /// Paid into escrow now, in the model's payment mint (> 0).
    pub fee: u64,
    /// 32-byte commitment to the input (the payload stays off-chain); non-zero.
    pub input_commitment: [u8; 32],
    /// A specific provider (its escrow `Provider` account), or any provider serving the model.
    pub provider: Option<Pubkey>,
    /// Seconds from funding for a provider to accept (1 s..=30 days, ≥ the config's minimum).
    pub accept_window: u32,
    /// Seconds from acceptance for the provider to deliver (1 s..=30 days, ≥ the minimum).
    pub delivery_window: u32,
    /// Seconds from delivery for the consumer to dispute (1 s..=30 days, ≥ the minimum).
    pub challenge_window: u32,
}

/// A consumer opens a paid inference job for a registry model; the fee moves into the job's
/// escrow vault. For an access-gated model the consumer's pass is verified by CPI into the
/// registry (`verify_access`).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenJobArgs)]
pub struct OpenJob<'info> {
    /// The escrow config (PDA with stored bump): its protocol fee is recorded in the job; its
    /// minimum windows bound the job's.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// Pays the fee and the rents (returned when the job closes).
    #[account(mut)]
    pub consumer: Signer<'info>,
    /// The model: a registry `Asset` (owner and discriminator checked by the type).
    pub model: Box<Account<'info, Asset>>,
    /// CHECK: the job, created here at `[JOB_SEED, consumer, job_id]` (address checked by the
    /// seeds) whatever lamports already sit there; a job id in use is refused.
    #[account(mut, seeds = [JOB_SEED, consumer.key().as_ref(), &args.job_id.to_le_bytes()], bump)]
    pub job: UncheckedAccount<'info>,
    /// CHECK: the job's escrow vault, created here at `[JOB_VAULT_SEED, job]` (address checked
    /// by the seeds) as a `mint` token account owned by the job PDA, whatever lamports already
    /// sit there.
    #[account(mut, seeds = [JOB_VAULT_SEED, job.key().as_ref()], bump)]
    pub job_vault: UncheckedAccount<'info>,
    /// The model's payment mint (address stored in the model).
    #[account(address = model.payment_mint @ EscrowError::MintMismatch, mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fee comes from here: a `mint` account owned by the consumer.
    #[account(mut, token::mint = mint, token::authority = consumer, token::token_program = token_program)]
    pub consumer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Gated models only: the consumer's pass for this model (owner: the registry, checked by
    /// the type; holder and asset checked in validate; validity by `verify_access`).
    pub pass: Option<Box<Account<'info, AccessPass>>>,
    /// CHECK: gated models only: the consumer's access-token account; the registry's
    /// `verify_access` checks its mint, its owner (the pass holder) and its balance.
    pub consumer_access_account: Option<UncheckedAccount<'info>>,
    pub registry_program: Program<'info, TesseraRegistry>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl OpenJob<'_> {
    fn validate(&self, args: &OpenJobArgs) -> Result<()> {
        // config: PDA. consumer: signer. model: registry Asset. job, job_vault: seeds (created
        // in the handler). mint: the model's. consumer_token_account: mint + authority.
        // Remaining checks:
        require!(self.model.kind == AssetKind::Model, EscrowError::NotAModel);
        require!(self.model.state == AssetState::Listed, EscrowError::ModelNotListed);
        require!(args.fee > 0, EscrowError::ZeroAmount);
        require!(args.input_commitment != [0; 32], EscrowError::ZeroInputCommitment);
        let c = &self.config;
        for (w, min) in [
            (args.accept_window, c.min_accept_window),
            (args.delivery_window, c.min_delivery_window),
            (args.challenge_window, c.min_challenge_window),
        ] {
            require!(w > 0 && w <= MAX_WINDOW_SECS, EscrowError::InvalidWindow);
            require_gte!(w, min, EscrowError::WindowBelowMinimum);
        }
        if self.model.inference_gated {
            let pass = self
                .pass
                .as_ref()
                .ok_or_else(|| error!(EscrowError::AccessProofMissing))?;
            require!(self.consumer_access_account.is_some(), EscrowError::AccessProofMissing);
            require!(
                pass.holder == self.consumer.key() && pass.asset == self.model.key(),
                EscrowError::PassMismatch
            );
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn open_job(ctx: Context<Self>, args: OpenJobArgs) -> Result<()> {
        let a = &ctx.accounts;
        if a.model.inference_gated {
            if let (Some(pass), Some(holder_access_account)) = (&a.pass, &a.consumer_access_account) {
                tessera_registry::cpi::verify_access(CpiContext::new(
                    a.registry_program.key(),
                    VerifyAccess {
                        asset: a.model.to_account_info(),
                        pass: pass.to_account_info(),
                        holder_access_account: holder_access_account.to_account_info(),
                    },
                ))?;
            }
        }

        // The job and its vault, whatever lamports already sit at their addresses.
        let consumer = a.consumer.key();
        let id = args.job_id.to_le_bytes();
        let (bump, vault_bump) = (ctx.bumps.job, ctx.bumps.job_vault);
        let job_key = a.job.key();
        let payer = a.consumer.to_account_info();
        let system = a.system_program.to_account_info();
        let job_info = a.job.to_account_info();
        let vault_info = a.job_vault.to_account_info();
        create_pda_account(
            &payer,
            &job_info,
            &system,
            8 + Job::INIT_SPACE,
            &crate::ID,
            &[JOB_SEED, consumer.as_ref(), &id, &[bump]],
        )?;
        init_token_account_pda(
            &payer,
            &vault_info,
            &system,
            &a.mint.to_account_info(),
            &job_info,
            &a.token_program.to_account_info(),
            &[JOB_VAULT_SEED, job_key.as_ref(), &[vault_bump]],
        )?;

        token_interface::transfer_checked(
            CpiContext::new(
                a.token_program.key(),
                TransferChecked {
                    from: a.consumer_token_account.to_account_info(),
                    mint: a.mint.to_account_info(),
                    to: vault_info.clone(),
                    authority: payer.clone(),
                },
            ),
            args.fee,
            a.mint.decimals,
        )?;
        // The vault was empty: what it holds now is the fee net of any transfer fee.
        let received = token_amount(&vault_info)?;
        require!(received > 0, EscrowError::ZeroAmount);

        let now = Clock::get()?.unix_timestamp;
        let accept_deadline = now
            .checked_add(i64::from(args.accept_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let model = a.model.key();
        let job = Job {
            consumer,
            job_id: args.job_id,
            model,
            mint: a.mint.key(),
            vault: vault_info.key(),
            provider: Pubkey::default(),
            state: JobState::Open,
            fee: received,
            fee_bps: a.config.fee_bps,
            royalty_bps: a.model.inference_royalty_bps,
            model_split: a.model.split,
            input_commitment: args.input_commitment,
            result_commitment: [0; 32],
            funded_at: now,
            accept_deadline,
            delivery_window: args.delivery_window,
            delivery_deadline: 0,
            challenge_window: args.challenge_window,
            challenge_deadline: 0,
            bump,
            vault_bump,
            slash_amount: 0,
            arbiter: Pubkey::default(),
            dispute_window: 0,
            dispute_deadline: 0,
            requested_provider: args.provider,
        };
        write_account(&job_info, &job)?;

        emit_cpi!(JobOpened {
            job: job_key,
            consumer: job.consumer,
            job_id: job.job_id,
            model,
            requested_provider: job.requested_provider,
            fee: job.fee,
            input_commitment: job.input_commitment,
            accept_deadline,
            funded_at: job.funded_at,
            delivery_window: job.delivery_window,
            challenge_window: job.challenge_window,
            fee_bps: job.fee_bps,
            royalty_bps: job.royalty_bps,
        });
        Ok(())
    }
}
