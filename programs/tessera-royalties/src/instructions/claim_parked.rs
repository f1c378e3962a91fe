use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::*,
    errors::RoyaltiesError,
    events::Claimed,
    instructions::claim::pay_from_vault,
    state::{Parked, Split},
};

/// Permissionless: pays a removed recipient its parked balance (see `Parked`), from the split's
/// vault into any token account of the split's mint that the recipient owns. Anyone may send
/// it (the money can only reach the recipient); if the recipient has no usable account, the
/// caller can create one for it (e.g. its associated token account). The record closes, its
/// rent going back to the payer recorded in it, once its last balance is paid.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimParked<'info> {
    /// Anyone (the recipient itself, or a bot); recorded in the event.
    pub caller: Signer<'info>,
    /// The recipient paid: it must have a balance in `parked` (checked by `take` in the
    /// handler) and own `destination` (constraint).
    /// CHECK: only the key is used.
    pub recipient: UncheckedAccount<'info>,
    /// The split whose vault pays; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
    /// The record of `split` holding the balance; seeds re-derived with its stored bump, so it
    /// belongs to this split.
    #[account(
        mut,
        seeds = [PARKED_SEED, split.key().as_ref(), &parked.version.to_le_bytes()],
        bump = parked.bump,
    )]
    pub parked: Box<Account<'info, Parked>>,
    /// The split's vault (address stored in the split).
    #[account(mut, address = split.vault @ RoyaltiesError::VaultMismatch)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The split's payment mint (address stored in the split).
    #[account(address = split.mint @ RoyaltiesError::MintMismatch)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Where the payment goes: a `mint` token account owned by the recipient.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = destination.owner == recipient.key() @ RoyaltiesError::DestinationNotOwnedByRecipient,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the record's lamports when it closes; must be the payer recorded in it.
    /// CHECK: address constraint against `parked.rent_payer`.
    #[account(mut, address = parked.rent_payer @ RoyaltiesError::RentReceiverMismatch)]
    pub rent_receiver: UncheckedAccount<'info>,
    /// SPL Token or Token-2022; owner of `destination` (constraint) and of the vault.
    pub token_program: Interface<'info, TokenInterface>,
}

impl ClaimParked<'_> {
    fn validate(&self) -> Result<()> {
        // caller: signer. recipient: has a balance in `parked` (below). split: PDA + stored
        // bump. parked: PDA of (split, version) + stored bump. vault, mint: stored addresses.
        // destination: mint + owner == recipient. rent_receiver: recorded payer.
        require!(
            self.parked.owed(&self.recipient.key()).is_some(),
            RoyaltiesError::NotParked
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn claim_parked(ctx: Context<Self>) -> Result<()> {
        let recipient = ctx.accounts.recipient.key();
        let amount = ctx.accounts.parked.take(&recipient)?;
        ctx.accounts.split.record_parked_claim(amount)?;
        pay_from_vault(
            &ctx.accounts.split,
            &ctx.accounts.vault,
            &ctx.accounts.mint,
            &ctx.accounts.destination,
            &ctx.accounts.token_program,
            amount,
        )?;
        if ctx.accounts.parked.balances.is_empty() {
            ctx.accounts
                .parked
                .close(ctx.accounts.rent_receiver.to_account_info())?;
        }
        emit_cpi!(Claimed {
            split: ctx.accounts.split.key(),
            recipient,
            destination: ctx.accounts.destination.key(),
            amount,
            claimed_by: ctx.accounts.caller.key(),
        });
        Ok(())
    }
}
