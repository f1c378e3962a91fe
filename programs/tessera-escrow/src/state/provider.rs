use anchor_lang::prelude::*;

use crate::{
    constants::{MAX_ENDPOINT_LEN, MAX_MODELS, PROVIDER_SEED},
    errors::EscrowError,
};

/// An inference provider, at `[PROVIDER_SEED, authority]`, with its bond in a vault token
/// account owned by this PDA.
#[account]
#[derive(InitSpace, Debug)]
pub struct Provider {
    pub authority: Pubkey,
    /// The mint of the bond and of the jobs it may accept.
    pub mint: Pubkey,
    pub bond_vault: Pubkey,
    /// Tokens in the bond (slashable until withdrawn).
    pub bond: u64,
    /// Jobs accepted and not yet settled.
    pub open_jobs: u32,
    /// Requested withdrawal, and when it was requested (0: none).
    pub unbond_amount: u64,
    pub unbond_requested_at: i64,
    /// When the requested withdrawal becomes possible: the request time plus the unbonding
    /// delay at the request (a later config change does not move it).
    pub unbond_available_at: i64,
    pub jobs_completed: u64,
    pub jobs_refunded: u64,
    pub disputes_lost: u64,
    pub bump: u8,
    pub vault_bump: u8,
    #[max_len(MAX_MODELS)]
    pub models: Vec<Pubkey>,
    #[max_len(MAX_ENDPOINT_LEN)]
    pub endpoint: String,
}

impl Provider {
    /// Byte offset of `authority` (discriminator included), for memcmp filters.
    pub const AUTHORITY_OFFSET: usize = 8;

    pub fn serves(&self, model: &Pubkey) -> bool {
        self.models.contains(model)
    }

    pub fn signer_seeds(&self) -> [&[u8]; 3] {
        [PROVIDER_SEED, self.authority.as_ref(), std::slice::from_ref(&self.bump)]
    }

    pub fn validate_listing(endpoint: &str, models: &[Pubkey]) -> Result<()> {
        require!(
            !endpoint.is_empty() && endpoint.len() <= MAX_ENDPOINT_LEN,
            EscrowError::InvalidEndpoint
        );
        require_gte!(MAX_MODELS, models.len(), EscrowError::TooManyModels);
        for (i, m) in models.iter().enumerate() {
            require!(!models[..i].contains(m), EscrowError::DuplicateModel);
        }
        Ok(())
    }
}
