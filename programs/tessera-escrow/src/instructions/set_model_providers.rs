use anchor_lang::{prelude::*, system_program};
use tessera_common::create::{create_pda_account, write_account};
use tessera_registry::state::{Asset, AssetKind};

use crate::{constants::*, errors::EscrowError, events::ModelProvidersSet, state::ModelProviders};

/// The model's publisher sets the providers allowed to accept jobs for its model (opt-in:
/// without a list any provider serving the model may accept). Creates the list at
/// `[MODEL_PROVIDERS_SEED, model]` the first time (whatever lamports already sit there),
/// then replaces it. An empty list admits no provider.
#[event_cpi]
#[derive(Accounts)]
pub struct SetModelProviders<'info> {
    /// The model's publisher (`has_one` on the model); pays the rent of a new list.
    #[account(mut)]
    pub publisher: Signer<'info>,
    /// The model: a registry `Asset` (owner and discriminator checked by the type);
    /// `has_one = publisher`.
    #[account(has_one = publisher @ EscrowError::NotPublisher)]
    pub model: Box<Account<'info, Asset>>,
    /// CHECK: the allow-list at `[MODEL_PROVIDERS_SEED, model]` (address checked by the seeds);
    /// created here if it does not exist, otherwise its owner and type are checked in the
    /// handler before it is rewritten.
    #[account(mut, seeds = [MODEL_PROVIDERS_SEED, model.key().as_ref()], bump)]
    pub model_providers: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl SetModelProviders<'_> {
    fn validate(&self, providers: &[Pubkey]) -> Result<()> {
        // publisher: signer + has_one. model: registry Asset. model_providers: seeds.
        require!(self.model.kind == AssetKind::Model, EscrowError::NotAModel);
        require_gte!(MAX_MODEL_PROVIDERS, providers.len(), EscrowError::TooManyProviders);
        for (i, p) in providers.iter().enumerate() {
            require!(!providers[..i].contains(p), EscrowError::DuplicateProvider);
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&providers))]
    pub fn set_model_providers(ctx: Context<Self>, providers: Vec<Pubkey>) -> Result<()> {
        let a = &ctx.accounts;
        let model = a.model.key();
        let bump = ctx.bumps.model_providers;
        let list = a.model_providers.to_account_info();
        if *list.owner == system_program::ID && list.data_is_empty() {
            create_pda_account(
                &a.publisher.to_account_info(),
                &list,
                &a.system_program.to_account_info(),
                8 + ModelProviders::INIT_SPACE,
                &crate::ID,
                &[MODEL_PROVIDERS_SEED, model.as_ref(), &[bump]],
            )?;
        } else {
            require_keys_eq!(*list.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
            // The discriminator: it is a list, then cleared for the rewrite.
            ModelProviders::try_deserialize(&mut &list.try_borrow_data()?[..])?;
            list.try_borrow_mut_data()?.fill(0);
        }
        write_account(
            &list,
            &ModelProviders {
                model,
                bump,
                providers: providers.clone(),
            },
        )?;
        emit_cpi!(ModelProvidersSet {
            model,
            publisher: a.publisher.key(),
            providers,
        });
        Ok(())
    }
}
