use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

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
    /// The provider, at `[PROVIDER_SEED, authority]`.
    #[account(
        init,
        payer = authority,
        space = 8 + Provider::INIT_SPACE,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// The mint of the bond and of the jobs it will accept.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The bond vault, at `[BOND_VAULT_SEED, provider]`, owned by the provider PDA.
    #[account(
        init,
        payer = authority,
        seeds = [BOND_VAULT_SEED, provider.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = provider,
        token::token_program = token_program,
    )]
    pub bond_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl RegisterProvider<'_> {
    fn validate(&self, args: &RegisterProviderArgs) -> Result<()> {
        // authority: signer. provider, bond_vault: fresh PDAs. mint: owned by token_program.
        Provider::validate_listing(&args.endpoint, &args.models)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn register_provider(ctx: Context<Self>, args: RegisterProviderArgs) -> Result<()> {
        let p = &mut ctx.accounts.provider;
        p.authority = ctx.accounts.authority.key();
        p.mint = ctx.accounts.mint.key();
        p.bond_vault = ctx.accounts.bond_vault.key();
        p.bump = ctx.bumps.provider;
        p.vault_bump = ctx.bumps.bond_vault;
        p.models = args.models.clone();
        p.endpoint = args.endpoint.clone();
        emit_cpi!(ProviderRegistered {
            provider: p.key(),
            authority: p.authority,
            mint: p.mint,
            endpoint: args.endpoint,
            models: args.models,
        });
        Ok(())
    }
}
