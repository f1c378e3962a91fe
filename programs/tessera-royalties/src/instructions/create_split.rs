use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{constants::*, events::SplitCreated, state::*};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateSplitArgs {
    /// Who may later change the recipients (for a Tessera asset: its publisher).
    pub authority: Pubkey,
    /// 1..=16 recipients whose shares sum to exactly 10,000 bps.
    pub recipients: Vec<RecipientInput>,
}

/// Creates the split of `subject` and its vault.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateSplitArgs)]
pub struct CreateSplit<'info> {
    /// Pays the rent of the split and of its vault.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The key the split belongs to (for Tessera, the asset PDA, signing through the registry).
    /// Its signature proves control of the key, so nobody can take the split address of a key
    /// they do not control.
    pub subject: Signer<'info>,
    /// The split, at `[SPLIT_SEED, subject]`; sized for the recipients given.
    #[account(
        init,
        payer = payer,
        space = Split::space(args.recipients.len().min(MAX_RECIPIENTS)),
        seeds = [SPLIT_SEED, subject.key().as_ref()],
        bump,
    )]
    pub split: Box<Account<'info, Split>>,
    /// The payment mint; owned by `token_program`.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The vault: a token account of `mint` whose authority is the split, at `[VAULT_SEED, split]`.
    #[account(
        init,
        payer = payer,
        seeds = [VAULT_SEED, split.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = split,
        token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token or Token-2022, the owner of `mint`.
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl CreateSplit<'_> {
    fn validate(&self, args: &CreateSplitArgs) -> Result<()> {
        // payer, subject: signers (Anchor). split, vault: fresh PDAs (init + seeds).
        // mint: owned by token_program (constraint). Recipients:
        Split::validate_recipients(&args.recipients)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_split(ctx: Context<Self>, args: CreateSplitArgs) -> Result<()> {
        let split = &mut ctx.accounts.split;
        split.subject = ctx.accounts.subject.key();
        split.authority = args.authority;
        split.mint = ctx.accounts.mint.key();
        split.vault = ctx.accounts.vault.key();
        split.bump = ctx.bumps.split;
        split.vault_bump = ctx.bumps.vault;
        split.apply_update(&args.recipients)?;
        split.version = 0;

        emit_cpi!(SplitCreated {
            split: split.key(),
            subject: split.subject,
            authority: split.authority,
            mint: split.mint,
            vault: split.vault,
            recipients: args.recipients,
        });
        Ok(())
    }
}
