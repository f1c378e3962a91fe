use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::{constants::*, errors::RoyaltiesError, events::Synced, state::Split};

/// Permissionless: credits the split with the tokens its vault holds beyond what the split
/// still holds for its recipients (`vault.amount - (total_received - total_claimed)`), exactly
/// as a `deposit` of that amount would (same pool, same rounding, dust carried the same way).
///
/// Tokens sent to the vault by a plain transfer (by a stranger, or by another payment program
/// paying royalties without calling `deposit`) never break anything: claims, deposits and
/// updates ignore them, and this credits them to the recipients. In a transfer-fee mint the
/// vault's `amount` is already net of the fee (withheld fees are not part of it), so only what
/// arrived is credited. A second sync with nothing new credits 0 and succeeds.
#[event_cpi]
#[derive(Accounts)]
pub struct SyncSplit<'info> {
    /// The split credited; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
    /// The split's vault (address stored in the split); only its balance is read.
    #[account(address = split.vault @ RoyaltiesError::VaultMismatch)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl SyncSplit<'_> {
    fn validate(&self) -> Result<()> {
        // split: PDA + stored bump. vault: stored address (and a token account, by type). No
        // signer: crediting the recipients can only help them.
        Ok(())
    }

    /// What the vault holds beyond what the split still holds for its recipients. 0 if the
    /// vault holds less (it never does while nothing but claims takes tokens out).
    pub fn uncredited(split: &Split, vault_amount: u64) -> Result<u64> {
        let surplus = u128::from(vault_amount).saturating_sub(split.held()?);
        // Never more than `vault_amount`, so it fits.
        u64::try_from(surplus).map_err(|_| error!(RoyaltiesError::MathOverflow))
    }

    #[access_control(ctx.accounts.validate())]
    pub fn sync(ctx: Context<Self>) -> Result<()> {
        let amount = Self::uncredited(&ctx.accounts.split, ctx.accounts.vault.amount)?;
        let split = &mut ctx.accounts.split;
        split.record_deposit(amount)?;
        let (key, total_received) = (split.key(), split.total_received);
        emit_cpi!(Synced {
            split: key,
            amount,
            total_received,
        });
        Ok(())
    }
}
