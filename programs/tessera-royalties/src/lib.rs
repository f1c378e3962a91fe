//! Tessera royalties: pull-based revenue splits. Each split has up to 16 recipients with bps
//! shares; deposits are O(1) whatever the number of recipients, and each recipient claims what
//! it is owed in O(1) whatever the number of past deposits.
//!
//! Liveness: a split and its vault are created whatever lamports sit at their addresses;
//! tokens sent straight to a vault never break an instruction and are credited by `sync`;
//! recipients that never claim never block `update_split` (their balances are parked); the
//! authority changes hands in two steps (propose, accept).
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;

use instructions::*;

declare_id!("7XyTrEcAK4oJrPG3dVxqW1f7jA3J8TCg9jLAqQcSeZ6g");

#[program]
pub mod tessera_royalties {
    use super::*;

    /// Creates the split of a subject (which signs) and its vault.
    pub fn create_split(ctx: Context<CreateSplit>, args: CreateSplitArgs) -> Result<()> {
        CreateSplit::create_split(ctx, args)
    }

    /// Moves tokens into a split's vault and credits what was received.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        Deposit::deposit(ctx, amount)
    }

    /// The signing recipient takes everything it is owed.
    pub fn claim(ctx: Context<Claim>) -> Result<()> {
        Claim::claim(ctx)
    }

    /// Anyone pays a recipient what it is owed, into the recipient's associated token account.
    pub fn claim_for(ctx: Context<ClaimFor>) -> Result<()> {
        ClaimFor::claim_for(ctx)
    }

    /// The split's authority changes recipients and shares; accruals are preserved (removed
    /// recipients' balances are parked if they no longer fit in the split).
    pub fn update_split(ctx: Context<UpdateSplit>, args: UpdateSplitArgs) -> Result<()> {
        UpdateSplit::update_split(ctx, args)
    }

    /// Anyone credits the split with what its vault holds beyond what the split holds for its
    /// recipients (tokens sent by plain transfer), exactly as a deposit would.
    pub fn sync(ctx: Context<SyncSplit>) -> Result<()> {
        SyncSplit::sync(ctx)
    }

    /// Anyone pays a removed recipient its parked balance, into a token account it owns.
    pub fn claim_parked(ctx: Context<ClaimParked>) -> Result<()> {
        ClaimParked::claim_parked(ctx)
    }

    /// The split's authority proposes its successor (or withdraws its proposal).
    pub fn propose_split_authority(ctx: Context<ProposeSplitAuthority>, args: ProposeSplitAuthorityArgs) -> Result<()> {
        ProposeSplitAuthority::propose_split_authority(ctx, args)
    }

    /// The proposed key takes over the split's authority.
    pub fn accept_split_authority(ctx: Context<AcceptSplitAuthority>) -> Result<()> {
        AcceptSplitAuthority::accept_split_authority(ctx)
    }
}
