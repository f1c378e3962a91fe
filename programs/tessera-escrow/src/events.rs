use anchor_lang::prelude::*;

#[event]
pub struct EscrowConfigUpdated {
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub arbiter: Pubkey,
    pub fee_bps: u16,
    pub slash_bps: u16,
    pub min_bond: u64,
    pub unbonding_delay: u32,
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
    Slash,
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
}

#[event]
pub struct JobAccepted {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub delivery_deadline: i64,
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
}

/// A job's fee left the escrow: released (by the consumer's confirmation or after the
/// challenge window), refunded, or divided by the arbiter.
#[event]
pub struct JobSettled {
    pub job: Pubkey,
    pub outcome: JobOutcome,
    pub fee: u64,
    pub to_treasury: u64,
    pub to_model_split: u64,
    pub to_provider: u64,
    pub to_consumer: u64,
    /// Taken from the provider's bond and paid to the consumer.
    pub slashed: u64,
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
}
