use anchor_lang::prelude::*;

use crate::{constants::*, errors::RoyaltiesError, events::SplitAuthorityAccepted, state::Split};

/// Second step of a two-step authority transfer: the proposed key signs and becomes the
/// split's authority; the proposal is cleared.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptSplitAuthority<'info> {
    /// The key proposed by the current authority (checked in `validate`).
    pub new_authority: Signer<'info>,
    /// The split; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
}

impl AcceptSplitAuthority<'_> {
    fn validate(&self) -> Result<()> {
        // new_authority: signer, and the split's pending authority. split: PDA + stored bump.
        require!(
            self.split.pending_authority == Some(self.new_authority.key()),
            RoyaltiesError::NotPendingSplitAuthority
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_split_authority(ctx: Context<Self>) -> Result<()> {
        let new_authority = ctx.accounts.new_authority.key();
        let split = &mut ctx.accounts.split;
        let previous_authority = split.authority;
        split.authority = new_authority;
        split.pending_authority = None;
        let key = split.key();
        emit_cpi!(SplitAuthorityAccepted {
            split: key,
            previous_authority,
            authority: new_authority,
        });
        Ok(())
    }
}
