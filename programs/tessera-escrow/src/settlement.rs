//! What settling a job needs, shared by `confirm_job`, `release_job`, `resolve_dispute` and
//! `settle_dispute`: the accounts (a composite `Accounts` struct nested in each of them) and
//! the transfers.
//!
//! Lineage: the model's royalty is divided as on every paid inference (a channel settlement
//! too): each parent dataset of the model gets its share of the royalty in its own split, the
//! model's split the rest. The parents are read from the model asset at settlement (a model's
//! lineage never changes); the remaining accounts are, for each parent in the asset's order,
//! its split and that split's vault (both writable).
//!
//! Surplus rule: tokens in a job vault beyond its fee (anyone can send tokens to it) go to the
//! consumer when the job settles or is refunded; the vault is then empty and closes. So stray
//! tokens never block a settlement. Tokens in a bond vault beyond the provider's recorded
//! bond belong to the provider's bond: `sync_bond` credits them; until then they are ignored
//! (slashes and withdrawals are bounded by the recorded bond).

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, CloseAccount, Mint, TokenAccount, TokenInterface, TransferChecked};
use tessera_registry::state::Asset;
use tessera_royalties::{cpi::accounts::Deposit, program::TesseraRoyalties};

use crate::{
    constants::*,
    errors::EscrowError,
    events::{BondChangeReason, BondChanged, JobOutcome, JobSettled},
    math::Payout,
    state::{EscrowConfig, Job, Provider},
};

/// The accounts a settlement pays from and to.
#[derive(Accounts)]
pub struct Settlement<'info> {
    /// The escrow config (PDA with stored bump): names the treasury.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The job (PDA with stored bump); closed at the end, rent to the consumer who paid it.
    #[account(
        mut,
        seeds = [JOB_SEED, job.consumer.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        close = consumer,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's escrow vault (address stored in the job); emptied and closed.
    #[account(mut, address = job.vault)]
    pub job_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: only receives lamports (the rents); must be the job's consumer (address).
    #[account(mut, address = job.consumer @ EscrowError::NotConsumer)]
    pub consumer: UncheckedAccount<'info>,
    /// Receives the consumer's part, any slash and the vault's surplus: a `mint` account owned
    /// by the job's consumer.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = consumer_token_account.owner == job.consumer @ EscrowError::WrongTokenAccountOwner,
    )]
    pub consumer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The provider that accepted the job (address stored in the job; PDA with stored bump).
    #[account(
        mut,
        address = job.provider @ EscrowError::NotJobProvider,
        seeds = [PROVIDER_SEED, provider.authority.as_ref()],
        bump = provider.bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// Receives the provider's part: a `mint` account owned by the provider's authority.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = provider_token_account.owner == provider.authority @ EscrowError::WrongTokenAccountOwner,
    )]
    pub provider_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the protocol fee: a `mint` account owned by the config's treasury.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = treasury_token_account.owner == config.treasury @ EscrowError::TreasuryMismatch,
    )]
    pub treasury_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the model's split recorded in the job at opening (address); the royalties
    /// program checks its owner and seeds in `deposit`.
    #[account(mut, address = job.model_split @ EscrowError::SplitMismatch)]
    pub model_split: UncheckedAccount<'info>,
    /// CHECK: the split's vault; the royalties program's `deposit` checks it is `split.vault`.
    #[account(mut)]
    pub model_split_vault: UncheckedAccount<'info>,
    /// The job's model (address stored in the job; owner and discriminator checked by
    /// `Account`): its parents and their shares of the royalty.
    #[account(address = job.model @ EscrowError::ModelMismatch)]
    pub model: Box<Account<'info, Asset>>,
    /// The job's mint (address stored in the job); writable when the vault holds withheld
    /// transfer fees to harvest (Token-2022, see `harvest_job_vault`).
    #[account(address = job.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// SPL Token or Token-2022: owner of the mint and the vaults (constraints above).
    pub token_program: Interface<'info, TokenInterface>,
    pub royalties_program: Program<'info, TesseraRoyalties>,
    /// CHECK: the royalties program's event authority; checked by its `event_cpi` constraint.
    pub royalties_event_authority: UncheckedAccount<'info>,
}

impl<'info> Settlement<'info> {
    fn transfer_from_vault(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        transfer_from_job_vault(&self.job, &self.job_vault, &self.mint, &self.token_program, to, amount)
    }

    /// Deposits `amount` (nothing if 0) from the job's vault into a split, through the
    /// royalties program (which checks the split and its vault), signed by the job PDA.
    fn deposit(&self, split: AccountInfo<'info>, vault: AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let id = self.job.job_id.to_le_bytes();
        let seeds = self.job.signer_seeds(&id);
        tessera_royalties::cpi::deposit(
            CpiContext::new_with_signer(
                self.royalties_program.key(),
                Deposit {
                    depositor: self.job.to_account_info(),
                    source: self.job_vault.to_account_info(),
                    split,
                    vault,
                    mint: self.mint.to_account_info(),
                    token_program: self.token_program.to_account_info(),
                    event_authority: self.royalties_event_authority.to_account_info(),
                    program: self.royalties_program.to_account_info(),
                },
                &[&seeds],
            ),
            amount,
        )
    }

    /// Pays a settlement out of the job's vault: the protocol fee, each parent's share of the
    /// royalty (`parent_accounts`: split and vault per parent, in the model's order), the
    /// model's royalty and the provider's part, then everything left (the consumer's part and
    /// the surplus) to the consumer; closes the empty vault (rent to the consumer). Returns the
    /// surplus.
    pub fn pay(&mut self, payout: &Payout, parent_accounts: &[AccountInfo<'info>]) -> Result<u64> {
        let parents = &self.model.parents;
        require_eq!(
            parent_accounts.len(),
            parents.len() * 2,
            EscrowError::ParentAccountsMismatch
        );
        self.transfer_from_vault(self.treasury_token_account.to_account_info(), payout.to_treasury)?;
        for ((link, pair), &amount) in parents
            .iter()
            .zip(parent_accounts.chunks_exact(2))
            .zip(&payout.to_parents)
        {
            require_keys_eq!(pair[0].key(), link.split, EscrowError::SplitMismatch);
            self.deposit(pair[0].clone(), pair[1].clone(), amount)?;
        }
        self.deposit(
            self.model_split.to_account_info(),
            self.model_split_vault.to_account_info(),
            payout.to_model_split,
        )?;
        self.transfer_from_vault(self.provider_token_account.to_account_info(), payout.to_provider)?;
        self.job_vault.reload()?;
        let rest = self.job_vault.amount;
        let surplus = rest
            .checked_sub(payout.to_consumer)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        self.transfer_from_vault(self.consumer_token_account.to_account_info(), rest)?;
        harvest_job_vault(&self.job_vault, &self.mint, &self.token_program)?;
        close_job_vault(&self.job, &self.job_vault, &self.consumer, &self.token_program)?;
        Ok(surplus)
    }

    /// Divides the fee: `provider_share_bps` of it is paid like a release (protocol fee,
    /// model royalty, provider), the rest and the surplus go to the consumer; returns the
    /// event to emit (with `slashed: 0`).
    pub fn divide(
        &mut self,
        provider_share_bps: u16,
        outcome: JobOutcome,
        parent_accounts: &[AccountInfo<'info>],
    ) -> Result<JobSettled> {
        let job = &self.job;
        let parent_bps = self.model.parent_bps();
        let payout = crate::math::payout(job.fee, provider_share_bps, job.fee_bps, job.royalty_bps, &parent_bps)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        let surplus = self.pay(&payout, parent_accounts)?;
        Ok(JobSettled {
            job: self.job.key(),
            outcome,
            fee: self.job.fee,
            to_treasury: payout.to_treasury,
            to_model_split: payout.to_model_split,
            to_provider: payout.to_provider,
            to_consumer: payout.to_consumer,
            slashed: 0,
            surplus,
            to_parents: payout.to_parents,
        })
    }

    /// Releases the whole fee to the provider's side (protocol fee, model royalty and its
    /// parents' shares, provider),
    /// any surplus to the consumer, closes the vault and records a completed job; returns the
    /// event to emit.
    pub fn release(&mut self, outcome: JobOutcome, parent_accounts: &[AccountInfo<'info>]) -> Result<JobSettled> {
        let event = self.divide(BPS_DENOMINATOR, outcome, parent_accounts)?;
        self.record(true, false)?;
        Ok(event)
    }

    /// Updates the provider's record for a settled job.
    pub fn record(&mut self, completed: bool, lost_dispute: bool) -> Result<()> {
        let p = &mut self.provider;
        p.open_jobs = p
            .open_jobs
            .checked_sub(1)
            .ok_or_else(|| error!(EscrowError::MathOverflow))?;
        if completed {
            p.jobs_completed = p.jobs_completed.saturating_add(1);
        }
        if lost_dispute {
            p.disputes_lost = p.disputes_lost.saturating_add(1);
        }
        Ok(())
    }
}

/// Transfers `amount` (nothing if 0) out of a job's vault, signed by the job PDA.
pub fn transfer_from_job_vault<'info>(
    job: &Account<'info, Job>,
    job_vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let id = job.job_id.to_le_bytes();
    let seeds = job.signer_seeds(&id);
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: job_vault.to_account_info(),
                mint: mint.to_account_info(),
                to,
                authority: job.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )
}

/// Harvests the job vault's withheld Token-2022 fees into the mint before it closes
/// ([`tessera_common::token::harvest_withheld_fees`]; `MintNotWritable` when the mint is not
/// writable and there is something to harvest).
pub fn harvest_job_vault<'info>(
    job_vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
) -> Result<()> {
    tessera_common::token::harvest_withheld_fees(
        &job_vault.to_account_info(),
        &mint.to_account_info(),
        &token_program.to_account_info(),
        || error!(EscrowError::MintNotWritable),
    )
}

/// Closes an empty job vault, sending its rent to the consumer.
pub fn close_job_vault<'info>(
    job: &Account<'info, Job>,
    job_vault: &InterfaceAccount<'info, TokenAccount>,
    consumer: &AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
) -> Result<()> {
    let id = job.job_id.to_le_bytes();
    let seeds = job.signer_seeds(&id);
    token_interface::close_account(CpiContext::new_with_signer(
        token_program.key(),
        CloseAccount {
            account: job_vault.to_account_info(),
            destination: consumer.clone(),
            authority: job.to_account_info(),
        },
        &[&seeds],
    ))
}

/// Takes `min(slash_amount, what the bond still holds)` from a provider's bond and pays it
/// to `to`; returns the amount and, when it is above zero, the `BondChanged` event to emit.
pub fn slash<'info>(
    provider: &mut Account<'info, Provider>,
    bond_vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    to: AccountInfo<'info>,
    slash_amount: u64,
) -> Result<(u64, Option<BondChanged>)> {
    let amount = slash_amount.min(provider.bond).min(bond_vault.amount);
    if amount == 0 {
        return Ok((0, None));
    }
    let seeds = provider.signer_seeds();
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: bond_vault.to_account_info(),
                mint: mint.to_account_info(),
                to,
                authority: provider.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )?;
    provider.bond = provider
        .bond
        .checked_sub(amount)
        .ok_or_else(|| error!(EscrowError::MathOverflow))?;
    let event = BondChanged {
        provider: provider.key(),
        delta: -i128::from(amount),
        bond: provider.bond,
        reason: BondChangeReason::Slash,
    };
    Ok((amount, Some(event)))
}

pub use tessera_common::token::token_amount;
