use anchor_lang::prelude::*;
use tessera_common::two_step;

use crate::{constants::*, errors::RoyaltiesError, events::SplitAuthorityProposed, state::Split};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ProposeSplitAuthorityArgs {
    /// The key that may take over the split by signing `accept_split_authority`; `None`
    /// withdraws a pending proposal. Replaces any earlier proposal.
    pub new_authority: Option<Pubkey>,
}

/// First step of a two-step authority transfer: the current authority names its successor.
/// Nothing changes until the successor accepts, so a mistyped key cannot take the split away.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeSplitAuthority<'info> {
    /// The split's current authority (checked against `split.authority` in validate).
    pub authority: Signer<'info>,
    /// The split; seeds re-derived with its stored bump.
    #[account(mut, seeds = [SPLIT_SEED, split.subject.as_ref()], bump = split.bump)]
    pub split: Box<Account<'info, Split>>,
}

/// The royalties program's error for a refused step of an authority transfer (a missing and
/// a different proposal are both `NotPendingSplitAuthority`).
pub(crate) fn authority_refusal(refusal: two_step::Refusal) -> Error {
    match refusal {
        two_step::Refusal::NotCurrent => error!(RoyaltiesError::NotSplitAuthority),
        two_step::Refusal::NoPending | two_step::Refusal::NotPending => {
            error!(RoyaltiesError::NotPendingSplitAuthority)
        }
    }
}

impl ProposeSplitAuthority<'_> {
    fn validate(&self) -> Result<()> {
        // authority: signer, and the split's authority. split: PDA + stored bump. Any key may
        // be proposed.
        two_step::check_propose(&self.split.authority, &self.authority.key()).map_err(authority_refusal)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn propose_split_authority(ctx: Context<Self>, args: ProposeSplitAuthorityArgs) -> Result<()> {
        let split = &mut ctx.accounts.split;
        two_step::propose(&mut split.pending_authority, args.new_authority);
        let (key, authority) = (split.key(), split.authority);
        emit_cpi!(SplitAuthorityProposed {
            split: key,
            authority,
            proposed: args.new_authority,
        });
        Ok(())
    }
}
