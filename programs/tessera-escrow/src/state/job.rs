use anchor_lang::prelude::*;

use crate::constants::JOB_SEED;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum JobState {
    /// Funded, waiting for a provider.
    Open,
    /// A provider accepted; the delivery window runs.
    Accepted,
    /// The provider submitted its result commitment; the challenge window runs.
    Delivered,
    /// The consumer disputed the delivery; the arbiter decides.
    Disputed,
}

/// A paid inference request, at `[JOB_SEED, consumer, job_id]`. Its fee waits in a vault token
/// account owned by this PDA. Closed (rent back to the consumer) when settled.
#[account]
#[derive(InitSpace, Debug)]
pub struct Job {
    pub consumer: Pubkey,
    pub job_id: u64,
    /// The registry model asset.
    pub model: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    /// The provider chosen at opening, if any (otherwise any provider serving the model).
    pub requested_provider: Option<Pubkey>,
    /// The provider account (escrow PDA) that accepted; default until accepted.
    pub provider: Pubkey,
    pub state: JobState,
    pub fee: u64,
    /// Snapshots at opening: the protocol fee, the model's inference royalty and its split.
    pub fee_bps: u16,
    pub royalty_bps: u16,
    pub model_split: Pubkey,
    pub input_commitment: [u8; 32],
    pub result_commitment: [u8; 32],
    pub funded_at: i64,
    pub accept_deadline: i64,
    pub delivery_window: u32,
    pub delivery_deadline: i64,
    pub challenge_window: u32,
    pub challenge_deadline: i64,
    pub bump: u8,
    pub vault_bump: u8,
}

impl Job {
    pub fn signer_seeds<'a>(&'a self, id: &'a [u8; 8]) -> [&'a [u8]; 4] {
        [
            JOB_SEED,
            self.consumer.as_ref(),
            id.as_ref(),
            std::slice::from_ref(&self.bump),
        ]
    }
}
