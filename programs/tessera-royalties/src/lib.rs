//! Tessera royalties: pull-based revenue splits. Each split has up to 16 recipients with bps
//! shares; deposits are O(1) whatever the number of recipients, and each recipient claims what
//! it is owed in O(1) whatever the number of past deposits.
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

    /// The split's authority changes recipients and shares; accruals are preserved.
    pub fn update_split(ctx: Context<UpdateSplit>, args: UpdateSplitArgs) -> Result<()> {
        UpdateSplit::update_split(ctx, args)
    }
}
