use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use tessera_registry::{
    cpi::accounts::VerifyAccess,
    program::TesseraRegistry,
    state::{AccessPass, Asset, AssetKind, AssetState},
};

use crate::{
    constants::*,
    errors::EscrowError,
    events::JobOpened,
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
    /// Seconds from funding for a provider to accept (1 s..=30 days).
    pub accept_window: u32,
    /// Seconds from acceptance for the provider to deliver (1 s..=30 days).
    pub delivery_window: u32,
    /// Seconds from delivery for the consumer to dispute (1 s..=30 days).
    pub challenge_window: u32,
}

/// A consumer opens a paid inference job for a registry model; the fee moves into the job's
/// escrow vault. For an access-gated model the consumer's pass is verified by CPI into the
/// registry (`verify_access`).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenJobArgs)]
pub struct OpenJob<'info> {
    /// The escrow config (PDA with stored bump): its protocol fee is recorded in the job.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// Pays the fee and the rents (returned when the job closes).
    #[account(mut)]
    pub consumer: Signer<'info>,
    /// The model: a registry `Asset` (owner and discriminator checked by the type).
    pub model: Box<Account<'info, Asset>>,
    /// The job, at `[JOB_SEED, consumer, job_id]`.
    #[account(
        init,
        payer = consumer,
        space = 8 + Job::INIT_SPACE,
        seeds = [JOB_SEED, consumer.key().as_ref(), &args.job_id.to_le_bytes()],
        bump,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's escrow vault, at `[JOB_VAULT_SEED, job]`, owned by the job PDA.
    #[account(
        init,
        payer = consumer,
        seeds = [JOB_VAULT_SEED, job.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = job,
        token::token_program = token_program,
    )]
    pub job_vault: Box<InterfaceAccount<'info, TokenAccount>>,
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
        // config: PDA. consumer: signer. model: registry Asset. job, job_vault: fresh PDAs.
        // mint: the model's. consumer_token_account: mint + authority. Remaining checks:
        require!(self.model.kind == AssetKind::Model, EscrowError::NotAModel);
        require!(self.model.state == AssetState::Listed, EscrowError::ModelNotListed);
        require!(args.fee > 0, EscrowError::ZeroAmount);
        require!(args.input_commitment != [0; 32], EscrowError::ZeroInputCommitment);
        for w in [args.accept_window, args.delivery_window, args.challenge_window] {
            require!(w > 0 && w <= MAX_WINDOW_SECS, EscrowError::InvalidWindow);
        }
        if self.model.inference_gated {
            let pass = self.pass.as_ref().ok_or_else(|| error!(EscrowError::AccessProofMissing))?;
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

        let before = a.job_vault.amount;
        token_interface::transfer_checked(
            CpiContext::new(
                a.token_program.key(),
                TransferChecked {
                    from: a.consumer_token_account.to_account_info(),
                    mint: a.mint.to_account_info(),
                    to: a.job_vault.to_account_info(),
                    authority: a.consumer.to_account_info(),
                },
            ),
            args.fee,
            a.mint.decimals,
        )?;
        ctx.accounts.job_vault.reload()?;
        let received = ctx
            .accounts
            .job_vault
            .amount
            .checked_sub(before)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        require!(received > 0, EscrowError::ZeroAmount);

        let now = Clock::get()?.unix_timestamp;
        let accept_deadline = now
            .checked_add(i64::from(args.accept_window))
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let (fee_bps, royalty_bps, model_split, model, mint, vault) = (
            ctx.accounts.config.fee_bps,
            ctx.accounts.model.inference_royalty_bps,
            ctx.accounts.model.split,
            ctx.accounts.model.key(),
            ctx.accounts.mint.key(),
            ctx.accounts.job_vault.key(),
        );
        let job = &mut ctx.accounts.job;
        job.consumer = ctx.accounts.consumer.key();
        job.job_id = args.job_id;
        job.model = model;
        job.mint = mint;
        job.vault = vault;
        job.requested_provider = args.provider;
        job.provider = Pubkey::default();
        job.state = JobState::Open;
        job.fee = received;
        job.fee_bps = fee_bps;
        job.royalty_bps = royalty_bps;
        job.model_split = model_split;
        job.input_commitment = args.input_commitment;
        job.result_commitment = [0; 32];
        job.funded_at = now;
        job.accept_deadline = accept_deadline;
        job.delivery_window = args.delivery_window;
        job.delivery_deadline = 0;
        job.challenge_window = args.challenge_window;
        job.challenge_deadline = 0;
        job.bump = ctx.bumps.job;
        job.vault_bump = ctx.bumps.job_vault;

        emit_cpi!(JobOpened {
            job: job.key(),
            consumer: job.consumer,
            job_id: job.job_id,
            model,
            requested_provider: job.requested_provider,
            fee: job.fee,
            input_commitment: job.input_commitment,
            accept_deadline,
        });
        Ok(())
    }
}
