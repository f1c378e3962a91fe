use anchor_lang::prelude::*;

use crate::{constants::*, errors::RoyaltiesError, events::SplitUpdated, state::*};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateSplitArgs {
    /// The new recipients: 1..=16, shares summing to exactly 10,000 bps.
    pub recipients: Vec<RecipientInput>,
    /// Hands the split to a new authority, if set.
    pub new_authority: Option<Pubkey>,
}

/// Changes a split's recipients and shares. Everything accrued so far is settled first, so a
/// removed recipient can still claim what it earned before the update, and nothing after.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: UpdateSplitArgs)]
pub struct UpdateSplit<'info> {
    /// The split's authority; pays for any growth of the account.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The split; seeds re-derived with its stored bump. Resized to hold the old entries that
    /// still have a balance plus the new recipients.
    #[account(
        mut,
        seeds = [SPLIT_SEED, split.subject.as_ref()],
        bump = split.bump,
        has_one = authority @ RoyaltiesError::NotSplitAuthority,
        realloc = Split::space((split.entries.len() + args.recipients.len()).min(MAX_ENTRIES)),
        realloc::payer = authority,
        realloc::zero = false,
    )]
    pub split: Box<Account<'info, Split>>,
    pub system_program: Program<'info, System>,
}

impl UpdateSplit<'_> {
    fn validate(&self, args: &UpdateSplitArgs) -> Result<()> {
        // authority: signer + has_one. split: PDA + stored bump.
        Split::validate_recipients(&args.recipients)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_split(ctx: Context<Self>, args: UpdateSplitArgs) -> Result<()> {
        let split = &mut ctx.accounts.split;
        split.apply_update(&args.recipients)?;
        if let Some(new_authority) = args.new_authority {
            split.authority = new_authority;
        }
        emit_cpi!(SplitUpdated {
            split: split.key(),
            authority: split.authority,
            recipients: args.recipients,
            version: split.version,
        });
        Ok(())
    }
}
