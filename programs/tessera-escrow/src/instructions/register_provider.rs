use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};
use tessera_common::create::{init_pda_account, init_token_account_pda};

use crate::{constants::*, events::ProviderRegistered, state::Provider};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RegisterProviderArgs {
    /// Where consumers reach the provider (1..=200 bytes).
    pub endpoint: String,
    /// The registry model assets it serves (≤ 16, distinct).
    pub models: Vec<Pubkey>,
}

/// An inference provider registers, with an empty bond vault in `mint`.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    /// The provider's authority; pays the rents.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// CHECK: the provider, created here at `[PROVIDER_SEED, authority]` (address checked by
    /// the seeds) whatever lamports already sit there; an existing provider is refused.
    #[account(mut, seeds = [PROVIDER_SEED, authority.key().as_ref()], bump)]
    pub provider: UncheckedAccount<'info>,
    /// The mint of the bond and of the jobs it will accept.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the bond vault, created here at `[BOND_VAULT_SEED, provider]` (address checked
    /// by the seeds) as a `mint` token account owned by the provider PDA, whatever lamports
    /// already sit there.
    #[account(mut, seeds = [BOND_VAULT_SEED, provider.key().as_ref()], bump)]
    pub bond_vault: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl RegisterProvider<'_> {
    fn validate(&self, args: &RegisterProviderArgs) -> Result<()> {
        // authority: signer. provider, bond_vault: seeds (created in the handler). mint: owned
        // by token_program.
        Provider::validate_listing(&args.endpoint, &args.models)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn register_provider(ctx: Context<Self>, args: RegisterProviderArgs) -> Result<()> {
        let a = &ctx.accounts;
        let authority = a.authority.key();
        let provider_key = a.provider.key();
        let (bump, vault_bump) = (ctx.bumps.provider, ctx.bumps.bond_vault);
        let p = Provider {
            authority,
            mint: a.mint.key(),
            bond_vault: a.bond_vault.key(),
            bond: 0,
            open_jobs: 0,
            unbond_amount: 0,
            unbond_requested_at: 0,
            unbond_available_at: 0,
            jobs_completed: 0,
            jobs_refunded: 0,
            disputes_lost: 0,
            bump,
            vault_bump,
            models: args.models.clone(),
            endpoint: args.endpoint.clone(),
        };
        let payer = a.authority.to_account_info();
        let system = a.system_program.to_account_info();
        init_pda_account(
            &payer,
            &a.provider.to_account_info(),
            &system,
            8 + Provider::INIT_SPACE,
            &[PROVIDER_SEED, authority.as_ref(), &[bump]],
            &p,
        )?;
        init_token_account_pda(
            &payer,
            &a.bond_vault.to_account_info(),
            &system,
            &a.mint.to_account_info(),
            &a.provider.to_account_info(),
            &a.token_program.to_account_info(),
            &[BOND_VAULT_SEED, provider_key.as_ref(), &[vault_bump]],
        )?;
        emit_cpi!(ProviderRegistered {
            provider: provider_key,
            authority,
            mint: p.mint,
            endpoint: args.endpoint,
            models: args.models,
        });
        Ok(())
    }
}
