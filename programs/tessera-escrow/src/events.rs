use anchor_lang::prelude::*;

use crate::state::EscrowSettings;

/// The config was initialised or its settings changed: the settings as they now stand.
#[event]
pub struct EscrowConfigUpdated {
    pub admin: Pubkey,
    pub settings: EscrowSettings,
}

/// The admin proposed `pending_admin` as its successor (it takes over when it accepts).
#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub pending_admin: Pubkey,
}

/// The proposed admin accepted: `admin` replaces `previous`.
#[event]
pub struct AdminChanged {
    pub previous: Pubkey,
    pub admin: Pubkey,
}

/// A publisher set the providers allowed to accept jobs for its model.
#[event]
pub struct ModelProvidersSet {
    pub model: Pubkey,
    pub publisher: Pubkey,
    pub providers: Vec<Pubkey>,
}

#[event]
pub struct ProviderRegistered {
    pub provider: Pubkey,
    pub authority: Pubkey,
    pub mint: Pubkey,
    pub endpoint: String,
    pub models: Vec<Pubkey>,
}

#[event]
pub struct ProviderUpdated {
    pub provider: Pubkey,
    pub endpoint: String,
    pub models: Vec<Pubkey>,
}

#[event]
pub struct BondChanged {
    pub provider: Pubkey,
    /// Added (positive) or withdrawn / slashed (negative).
    pub delta: i128,
    pub bond: u64,
    pub reason: BondChangeReason,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondChangeReason {
    Deposit,
    Withdrawal,
    /// Taken by a refund or a lost dispute (paid to the consumer).
    Slash,
    /// Tokens sent straight to the bond vault, credited by `sync_bond`.
    Sync,
}

#[event]
pub struct UnbondRequested {
    pub provider: Pubkey,
    pub amount: u64,
    pub available_at: i64,
}

#[event]
pub struct JobOpened {
    pub job: Pubkey,
    pub consumer: Pubkey,
    pub job_id: u64,
    pub model: Pubkey,
    pub requested_provider: Option<Pubkey>,
    pub fee: u64,
    pub input_commitment: [u8; 32],
    pub accept_deadline: i64,
    /// The job's instance and terms, as a provider's `AcceptJobArgs` binds them.
    pub funded_at: i64,
    pub delivery_window: u32,
    pub challenge_window: u32,
    /// Snapshots at opening: the protocol fee and the model's inference royalty.
    pub fee_bps: u16,
    pub royalty_bps: u16,
}

#[event]
pub struct JobAccepted {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub delivery_deadline: i64,
    /// Fixed now: the most a refund or a lost dispute takes from the provider's bond.
    pub slash_amount: u64,
    /// Fixed now: who resolves a dispute of this job.
    pub arbiter: Pubkey,
    /// Fixed now: seconds the arbiter has to resolve a dispute of this job.
    pub dispute_window: u32,
}

#[event]
pub struct ResultSubmitted {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub result_commitment: [u8; 32],
    pub challenge_deadline: i64,
}

#[event]
pub struct JobDisputed {
    pub job: Pubkey,
    pub consumer: Pubkey,
    /// After it, anyone settles the dispute by the default rule (`settle_dispute`).
    pub dispute_deadline: i64,
}

/// A job's fee left the escrow: released (by the consumer's confirmation or after the
/// challenge window), refunded, divided by the arbiter, or divided by the default rule.
/// `to_treasury + to_model_split + to_provider + to_consumer == fee`; the vault's `surplus`
/// (tokens beyond the fee, sent to it by anyone) went to the consumer too.
#[event]
pub struct JobSettled {
    pub job: Pubkey,
    pub outcome: JobOutcome,
    pub fee: u64,
    pub to_treasury: u64,
    /// What the model's own split received: its royalty less the parents' shares.
    pub to_model_split: u64,
    pub to_provider: u64,
    pub to_consumer: u64,
    /// Taken from the provider's bond and paid to the consumer.
    pub slashed: u64,
    /// Tokens the vault held beyond the fee, paid to the consumer.
    pub surplus: u64,
    /// Each parent dataset's share of the model's royalty, in the model's order.
    pub to_parents: Vec<u64>,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// The consumer confirmed the delivery.
    Confirmed,
    /// Released by anyone after the challenge window.
    Released,
    /// Nobody accepted in time.
    RefundedUnaccepted,
    /// The provider missed its delivery deadline (its bond was slashed).
    RefundedUndelivered,
    /// The arbiter divided the fee.
    Resolved { provider_share_bps: u16 },
    /// Nobody resolved the dispute by its deadline: divided by the default rule (half each,
    /// no slash).
    SettledByDefault { provider_share_bps: u16 },
}
