use anchor_lang::prelude::*;
use tessera_common::two_step;

use crate::{
    constants::*, events::SplitAuthorityAccepted, instructions::propose_split_authority::authority_refusal,
    state::Split,
};

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
        two_step::check_accept(self.split.pending_authority.as_ref(), &self.new_authority.key())
            .map_err(authority_refusal)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_split_authority(ctx: Context<Self>) -> Result<()> {
        let new_authority = ctx.accounts.new_authority.key();
        let key = ctx.accounts.split.key();
        let split: &mut Split = &mut ctx.accounts.split;
        let previous_authority = two_step::accept(&mut split.authority, &mut split.pending_authority, new_authority);
        emit_cpi!(SplitAuthorityAccepted {
            split: key,
            previous_authority,
            authority: new_authority,
        });
        Ok(())
    }
}
