use anchor_lang::prelude::*;

use crate::{constants::*, errors::EscrowError};

/// The escrow's settings, at `[CONFIG_SEED]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct EscrowConfig {
    pub admin: Pubkey,
    /// Owner of the token accounts receiving the protocol fee.
    pub treasury: Pubkey,
    /// Resolves disputes.
    pub arbiter: Pubkey,
    /// Protocol fee on released inference fees (≤ 1,000 bps); snapshotted into each job.
    pub fee_bps: u16,
    /// Share of a provider's bond slashed to the consumer when it misses a deadline or loses
    /// a dispute.
    pub slash_bps: u16,
    /// Bond a provider must hold to accept a job.
    pub min_bond: u64,
    /// Seconds between an unbond request and the withdrawal.
    pub unbonding_delay: u32,
    pub bump: u8,
}

/// The settable part of the config.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct EscrowSettings {
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub arbiter: Pubkey,
    pub fee_bps: u16,
    pub slash_bps: u16,
    pub min_bond: u64,
    pub unbonding_delay: u32,
}

impl EscrowSettings {
    pub fn validate(&self) -> Result<()> {
        require_gte!(MAX_PROTOCOL_FEE_BPS, self.fee_bps, EscrowError::FeeAboveCap);
        require_gte!(BPS_DENOMINATOR, self.slash_bps, EscrowError::BpsAboveMax);
        require_gte!(
            MAX_UNBONDING_DELAY_SECS,
            self.unbonding_delay,
            EscrowError::UnbondingDelayTooLong
        );
        Ok(())
    }
}

impl EscrowConfig {
    pub fn apply(&mut self, s: &EscrowSettings) {
        self.admin = s.admin;
        self.treasury = s.treasury;
        self.arbiter = s.arbiter;
        self.fee_bps = s.fee_bps;
        self.slash_bps = s.slash_bps;
        self.min_bond = s.min_bond;
        self.unbonding_delay = s.unbonding_delay;
    }
}
