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
    /// The split's vault (address stored in the split, checked in validate); only its balance
    /// is read.
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl SyncSplit<'_> {
    fn validate(&self) -> Result<()> {
        // split: PDA + stored bump. vault: a token account (by type) at the split's stored
        // address. No signer: crediting the recipients can only help them.
        require_keys_eq!(self.vault.key(), self.split.vault, RoyaltiesError::VaultMismatch);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn sync(ctx: Context<Self>) -> Result<()> {
        let amount = ctx.accounts.split.uncredited(ctx.accounts.vault.amount)?;
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
