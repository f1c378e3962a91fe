use anchor_lang::prelude::*;

use crate::{constants::*, errors::EscrowError};

/// The escrow's settings, at `[CONFIG_SEED]`.
///
/// What a config change reaches: only jobs not yet accepted. The protocol fee is fixed on the
/// job when it opens; the slash amount, the arbiter and the dispute window when it is accepted.
/// The treasury is read when a job settles (its new token account is accepted), and nothing
/// else of the config is read by a settlement or a refund.
#[account]
#[derive(InitSpace, Debug)]
pub struct EscrowConfig {
    pub admin: Pubkey,
    /// Proposed by the admin with `propose_admin`; becomes the admin when it signs
    /// `accept_admin`.
    pub pending_admin: Option<Pubkey>,
    /// Owner of the token accounts receiving the protocol fee.
    pub treasury: Pubkey,
    /// Resolves the disputes of jobs accepted while it is the arbiter.
    pub arbiter: Pubkey,
    /// Protocol fee on released inference fees (≤ 1,000 bps); snapshotted into each job.
    pub fee_bps: u16,
    /// Share of a provider's bond (≤ 5,000 bps) at stake on a job, capped at
    /// `max_slash_fee_multiple` × the job's fee; the amount is fixed when the job is accepted.
    pub slash_bps: u16,
    /// The slash at stake on a job is at most this many times its fee.
    pub max_slash_fee_multiple: u32,
    /// Shortest accept, delivery and challenge windows a job may be opened with.
    pub min_accept_window: u32,
    pub min_delivery_window: u32,
    pub min_challenge_window: u32,
    /// Seconds the arbiter has to resolve a dispute (fixed on the job at acceptance); after
    /// that anyone settles it by the default rule.
    pub dispute_window: u32,
    /// Seconds between an unbond request and the withdrawal.
    pub unbonding_delay: u32,
    pub bump: u8,
    /// Bond a provider must hold to accept a job, per mint. A mint not listed cannot be
    /// bonded for jobs: its providers' `accept_job` is refused (`MintNotBondable`).
    #[max_len(MAX_BOND_MINTS)]
    pub min_bonds: Vec<MintBond>,
}

/// The minimum bond, in base units of `mint`, of a provider bonded in `mint`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct MintBond {
    pub mint: Pubkey,
    pub min_bond: u64,
}

/// The settable part of the config (the admin changes only through `propose_admin` and
/// `accept_admin`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct EscrowSettings {
    pub treasury: Pubkey,
    pub arbiter: Pubkey,
    pub fee_bps: u16,
    pub slash_bps: u16,
    pub max_slash_fee_multiple: u32,
    pub min_accept_window: u32,
    pub min_delivery_window: u32,
    pub min_challenge_window: u32,
    pub dispute_window: u32,
    pub unbonding_delay: u32,
    /// ≤ 8 entries, one per mint.
    pub min_bonds: Vec<MintBond>,
}

impl EscrowSettings {
    pub fn validate(&self) -> Result<()> {
        require_gte!(MAX_PROTOCOL_FEE_BPS, self.fee_bps, EscrowError::FeeAboveCap);
        require_gte!(MAX_SLASH_BPS, self.slash_bps, EscrowError::SlashAboveCap);
        for w in [
            self.min_accept_window,
            self.min_delivery_window,
            self.min_challenge_window,
        ] {
            require_gte!(MAX_WINDOW_SECS, w, EscrowError::InvalidMinWindow);
        }
        require!(
            self.dispute_window > 0 && self.dispute_window <= MAX_WINDOW_SECS,
            EscrowError::InvalidDisputeWindow
        );
        require_gte!(
            MAX_UNBONDING_DELAY_SECS,
            self.unbonding_delay,
            EscrowError::UnbondingDelayTooLong
        );
        require_gte!(MAX_BOND_MINTS, self.min_bonds.len(), EscrowError::TooManyBondMints);
        for (i, b) in self.min_bonds.iter().enumerate() {
            require!(
                !self.min_bonds[..i].iter().any(|o| o.mint == b.mint),
                EscrowError::DuplicateBondMint
            );
        }
        Ok(())
    }
}

impl EscrowConfig {
    pub fn apply(&mut self, s: &EscrowSettings) {
        self.treasury = s.treasury;
        self.arbiter = s.arbiter;
        self.fee_bps = s.fee_bps;
        self.slash_bps = s.slash_bps;
        self.max_slash_fee_multiple = s.max_slash_fee_multiple;
        self.min_accept_window = s.min_accept_window;
        self.min_delivery_window = s.min_delivery_window;
        self.min_challenge_window = s.min_challenge_window;
        self.dispute_window = s.dispute_window;
        self.unbonding_delay = s.unbonding_delay;
        self.min_bonds = s.min_bonds.clone();
    }

    /// The settings as they stand.
    pub fn settings(&self) -> EscrowSettings {
        EscrowSettings {
            treasury: self.treasury,
            arbiter: self.arbiter,
            fee_bps: self.fee_bps,
            slash_bps: self.slash_bps,
            max_slash_fee_multiple: self.max_slash_fee_multiple,
            min_accept_window: self.min_accept_window,
            min_delivery_window: self.min_delivery_window,
            min_challenge_window: self.min_challenge_window,
            dispute_window: self.dispute_window,
            unbonding_delay: self.unbonding_delay,
            min_bonds: self.min_bonds.clone(),
        }
    }

    /// The minimum bond of a provider bonded in `mint`; `None` if the mint is not bondable.
    pub fn min_bond(&self, mint: &Pubkey) -> Option<u64> {
        self.min_bonds.iter().find(|b| b.mint == *mint).map(|b| b.min_bond)
    }
}
