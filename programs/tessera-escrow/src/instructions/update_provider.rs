use anchor_lang::prelude::*;

use crate::{
    constants::*, errors::EscrowError, events::ProviderUpdated, instructions::RegisterProviderArgs, state::Provider,
};

/// The provider changes its endpoint or the models it serves (jobs it already accepted are
/// not affected).
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateProvider<'info> {
    /// The provider's authority.
    pub authority: Signer<'info>,
    /// The provider (PDA with stored bump); `has_one = authority`.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority @ EscrowError::NotProviderAuthority,
    )]
    pub provider: Box<Account<'info, Provider>>,
}

impl UpdateProvider<'_> {
    fn validate(&self, args: &RegisterProviderArgs) -> Result<()> {
        // authority: signer + has_one. provider: PDA + stored bump.
        Provider::validate_listing(&args.endpoint, &args.models)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_provider(ctx: Context<Self>, args: RegisterProviderArgs) -> Result<()> {
        let p = &mut ctx.accounts.provider;
        p.models = args.models.clone();
        p.endpoint = args.endpoint.clone();
        emit_cpi!(ProviderUpdated {
            provider: p.key(),
            endpoint: args.endpoint,
            models: args.models,
        });
        Ok(())
    }
}
