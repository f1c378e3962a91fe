use anchor_lang::prelude::*;

use crate::constants::MAX_MODEL_PROVIDERS;

/// A publisher's opt-in allow-list of the providers that may accept jobs for its model, at
/// `[MODEL_PROVIDERS_SEED, model]`. While it does not exist the model is open to any provider
/// serving it; once it exists only the listed provider accounts (escrow `Provider` PDAs) may
/// accept (an empty list admits none). Set by the model's publisher with
/// `set_model_providers`.
#[account]
#[derive(InitSpace, Debug)]
pub struct ModelProviders {
    /// The registry model asset.
    pub model: Pubkey,
    pub bump: u8,
    #[max_len(MAX_MODEL_PROVIDERS)]
    pub providers: Vec<Pubkey>,
}

impl ModelProviders {
    pub fn allows(&self, provider: &Pubkey) -> bool {
        self.providers.contains(provider)
    }

    /// Whether the model's publisher admits `provider`, given the account at the model's
    /// `[MODEL_PROVIDERS_SEED, model]` address (the caller checks the address): empty (no
    /// allow-list ever set) admits any provider; otherwise it must be owned by the escrow
    /// program and list the provider. The one rule of the escrow's `accept_job` and the
    /// channels' `open_channel`.
    pub fn admits(list: &AccountInfo, provider: &Pubkey) -> Result<bool> {
        if list.data_is_empty() {
            return Ok(true);
        }
        require_keys_eq!(*list.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = list.try_borrow_data()?;
        Ok(Self::try_deserialize(&mut &data[..])?.allows(provider))
    }
}
