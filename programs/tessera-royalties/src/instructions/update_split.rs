use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use tessera_common::create::init_pda_account;

use crate::{
    constants::*,
    errors::RoyaltiesError,
    events::{BalancesParked, SplitUpdated, Synced},
    state::*,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateSplitArgs {
    /// The new recipients: 1..=16, shares summing to exactly 10,000 bps.
    pub recipients: Vec<RecipientInput>,
}

/// Changes a split's recipients and shares. Everything accrued so far is settled first, so a
/// removed recipient can still claim what it earned before the update, and nothing after.
/// "Accrued" includes tokens sent straight to the vault and not yet synced: the update first
/// credits them to the closing epoch, exactly as `sync` would (with a `Synced` event), so
/// royalties another program paid by plain transfer stay with the recipients they were paid
/// under, whatever the timing of the update.
///
/// Never blocked by recipients that do not claim: removed recipients with a balance keep an
/// entry in the split while there is room (at most `MAX_ENTRIES`); when the new list would not
/// fit, every removed recipient's balance moves to a `Parked` record created here, at
/// `[PARKED_SEED, split, version]` (the version before this update), paid out by
/// `claim_parked`. The authority changes only through `propose_split_authority` and
/// `accept_split_authority`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: UpdateSplitArgs)]
pub struct UpdateSplit<'info> {
    /// The split's authority; pays for any growth of the split and for a `Parked` record.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The split; seeds re-derived with its stored bump. Resized to hold the old entries that
    /// still have a balance plus the new recipients (at most `MAX_ENTRIES`).
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
    /// The split's vault (its PDA, re-derived with the stored bump); only its balance is read,
    /// to credit tokens sent straight to it before the epoch closes.
    #[account(seeds = [VAULT_SEED, split.key().as_ref()], bump = split.vault_bump)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The `Parked` record this update creates at `[PARKED_SEED, split, split.version]` (the
    /// version before the update; a client always passes it) if removed recipients' balances no
    /// longer fit in the split, whatever lamports sit at the address; untouched otherwise.
    /// CHECK: address checked by seeds; created in the handler only when needed.
    #[account(
        mut,
        seeds = [PARKED_SEED, split.key().as_ref(), &split.version.to_le_bytes()],
        bump,
    )]
    pub parked: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl UpdateSplit<'_> {
    fn validate(&self, args: &UpdateSplitArgs) -> Result<()> {
        // authority: signer + has_one. split: PDA + stored bump. vault: PDA of the split +
        // stored bump. parked: PDA of (split, version); whether it is free is checked by the
        // creation helper if it is needed.
        Split::validate_recipients(&args.recipients)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_split(ctx: Context<Self>, args: UpdateSplitArgs) -> Result<()> {
        let split_key = ctx.accounts.split.key();
        let version = ctx.accounts.split.version;
        // Credit what reached the vault without `deposit` to the epoch that is closing.
        let uncredited = ctx.accounts.split.uncredited(ctx.accounts.vault.amount)?;
        if uncredited > 0 {
            ctx.accounts.split.record_deposit(uncredited)?;
            let total_received = ctx.accounts.split.total_received;
            emit_cpi!(Synced {
                split: split_key,
                amount: uncredited,
                total_received,
            });
        }
        let balances = ctx.accounts.split.apply_update(&args.recipients)?;
        if !balances.is_empty() {
            let version_bytes = version.to_le_bytes();
            let bump = [ctx.bumps.parked];
            let [a, b, c] = Parked::seeds(&split_key, &version_bytes);
            let seeds: [&[u8]; 4] = [a, b, c, &bump];
            init_pda_account(
                &ctx.accounts.authority.to_account_info(),
                &ctx.accounts.parked.to_account_info(),
                &ctx.accounts.system_program.to_account_info(),
                Parked::space(balances.len()),
                &seeds,
                &Parked {
                    split: split_key,
                    version,
                    rent_payer: ctx.accounts.authority.key(),
                    bump: ctx.bumps.parked,
                    balances: balances.clone(),
                },
            )?;
            emit_cpi!(BalancesParked {
                split: split_key,
                parked: ctx.accounts.parked.key(),
                version,
                balances,
            });
        }
        let split = &ctx.accounts.split;
        emit_cpi!(SplitUpdated {
            split: split_key,
            authority: split.authority,
            recipients: args.recipients,
            version: split.version,
        });
        Ok(())
    }
}
