use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};
use tessera_common::create::{init_pda_account, init_token_account_pda};

use crate::{constants::*, events::SplitCreated, state::*};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateSplitArgs {
    /// Who may later change the recipients (for a Tessera asset: its publisher).
    pub authority: Pubkey,
    /// 1..=16 recipients whose shares sum to exactly 10,000 bps.
    pub recipients: Vec<RecipientInput>,
}

/// Creates the split of `subject` and its vault. Both are created whatever lamports already sit
/// at their addresses (`tessera_common::create`): nobody can block a subject's split by sending
/// rent to its address first.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateSplitArgs)]
pub struct CreateSplit<'info> {
    /// Pays the rent of the split and of its vault (only what a pre-funded address lacks).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The key the split belongs to (for Tessera, the asset PDA, signing through the registry).
    /// Its signature proves control of the key, so nobody can take the split address of a key
    /// they do not control.
    pub subject: Signer<'info>,
    /// The split, created here at `[SPLIT_SEED, subject]` as a `Split` sized for the recipients
    /// given, whatever lamports already sit at the address (the helper refuses an address that
    /// already has data or another owner).
    /// CHECK: created in the handler; address checked by seeds.
    #[account(mut, seeds = [SPLIT_SEED, subject.key().as_ref()], bump)]
    pub split: UncheckedAccount<'info>,
    /// The payment mint; owned by `token_program`.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The vault, created here at `[VAULT_SEED, split]` as a token account of `mint` whose
    /// authority is the split (sized for the mint's required extensions), whatever lamports
    /// already sit at the address.
    /// CHECK: created in the handler; address checked by seeds.
    #[account(mut, seeds = [VAULT_SEED, split.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// SPL Token or Token-2022, the owner of `mint`.
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl CreateSplit<'_> {
    fn validate(&self, args: &CreateSplitArgs) -> Result<()> {
        // payer, subject: signers (Anchor). split, vault: PDAs (seeds); that they are not yet
        // in use is checked by the creation helper. mint: owned by token_program (constraint).
        // Recipients:
        Split::validate_recipients(&args.recipients)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_split(ctx: Context<Self>, args: CreateSplitArgs) -> Result<()> {
        let accounts = &ctx.accounts;
        let subject = accounts.subject.key();
        let split_key = accounts.split.key();
        let mut split = Split {
            subject,
            authority: args.authority,
            mint: accounts.mint.key(),
            vault: accounts.vault.key(),
            total_received: 0,
            total_claimed: 0,
            epoch_start: 0,
            version: 0,
            bump: ctx.bumps.split,
            vault_bump: ctx.bumps.vault,
            entries: Vec::with_capacity(args.recipients.len()),
            pending_authority: None,
        };
        // A fresh split has no removed recipient, so nothing is ever parked here.
        split.apply_update(&args.recipients)?;
        split.version = 0;

        let split_bump = [split.bump];
        let split_seeds: [&[u8]; 3] = [SPLIT_SEED, subject.as_ref(), &split_bump];
        init_pda_account(
            &accounts.payer.to_account_info(),
            &accounts.split.to_account_info(),
            &accounts.system_program.to_account_info(),
            Split::space(args.recipients.len()),
            &split_seeds,
            &split,
        )?;
        let vault_bump = [split.vault_bump];
        let vault_seeds: [&[u8]; 3] = [VAULT_SEED, split_key.as_ref(), &vault_bump];
        init_token_account_pda(
            &accounts.payer.to_account_info(),
            &accounts.vault.to_account_info(),
            &accounts.system_program.to_account_info(),
            &accounts.mint.to_account_info(),
            &accounts.split.to_account_info(),
            &accounts.token_program.to_account_info(),
            &vault_seeds,
        )?;

        emit_cpi!(SplitCreated {
            split: split_key,
            subject: split.subject,
            authority: split.authority,
            mint: split.mint,
            vault: split.vault,
            recipients: args.recipients,
        });
        Ok(())
    }
}
