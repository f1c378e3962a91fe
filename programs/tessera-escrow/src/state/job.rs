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
    /// The consumer disputed the delivery; the job's arbiter decides by the dispute deadline,
    /// after which anyone settles it by the default rule.
    Disputed,
}

/// A paid inference request, at `[JOB_SEED, consumer, job_id]`. Its fee waits in a vault token
/// account owned by this PDA. Closed (rent back to the consumer) when settled. Fixed-size
/// fields come first so that clients can filter on consumer, model, provider and state.
#[account]
#[derive(InitSpace, Debug)]
pub struct Job {
    pub consumer: Pubkey,
    pub job_id: u64,
    /// The registry model asset.
    pub model: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
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
    /// Fixed at acceptance: the most a refund or a lost dispute takes from the provider's bond
    /// (`min(slash_bps × bond, max_slash_fee_multiple × fee)` at that moment).
    pub slash_amount: u64,
    /// Fixed at acceptance: who may resolve a dispute of this job.
    pub arbiter: Pubkey,
    /// Fixed at acceptance: seconds the arbiter has after a dispute.
    pub dispute_window: u32,
    /// Set by `dispute_job`: after it anyone settles by the default rule.
    pub dispute_deadline: i64,
    /// The provider chosen at opening, if any (otherwise any provider serving the model).
    pub requested_provider: Option<Pubkey>,
}

impl Job {
    /// Byte offsets (discriminator included) for `getProgramAccounts` memcmp filters.
    pub const CONSUMER_OFFSET: usize = 8;
    pub const MODEL_OFFSET: usize = 48;
    pub const PROVIDER_OFFSET: usize = 144;
    pub const STATE_OFFSET: usize = 176;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_offsets_match_the_layout() {
        let job = Job {
            consumer: Pubkey::new_from_array([1; 32]),
            job_id: 0,
            model: Pubkey::new_from_array([2; 32]),
            mint: Pubkey::default(),
            vault: Pubkey::default(),
            provider: Pubkey::new_from_array([3; 32]),
            state: JobState::Disputed,
            fee: 0,
            fee_bps: 0,
            royalty_bps: 0,
            model_split: Pubkey::default(),
            input_commitment: [0; 32],
            result_commitment: [0; 32],
            funded_at: 0,
            accept_deadline: 0,
            delivery_window: 0,
            delivery_deadline: 0,
            challenge_window: 0,
            challenge_deadline: 0,
            bump: 0,
            vault_bump: 0,
            slash_amount: 0,
            arbiter: Pubkey::default(),
            dispute_window: 0,
            dispute_deadline: 0,
            requested_provider: None,
        };
        let mut data = Vec::new();
        job.try_serialize(&mut data).unwrap();
        assert_eq!(data[Job::CONSUMER_OFFSET..][..32], [1; 32]);
        assert_eq!(data[Job::MODEL_OFFSET..][..32], [2; 32]);
        assert_eq!(data[Job::PROVIDER_OFFSET..][..32], [3; 32]);
        assert_eq!(data[Job::STATE_OFFSET], JobState::Disputed as u8);
    }
}
