//! Tessera channels: pay per inference. A payer locks a deposit once in a channel to a provider
//! serving a registry model; each call is paid off chain by a voucher, an Ed25519 signature by
//! the channel's authorized signer (the payer or a session key) over a *cumulative* amount
//! ([`voucher`]). Anyone settles the latest voucher (verified through the Ed25519 signature
//! program and instruction introspection); every settled amount is divided by the lineage rule
//! (`tessera_common::lineage`): the protocol fee to the treasury, the model's inference royalty
//! into its split and, from that royalty, each parent dataset's share into the parent's split,
//! the rest to the provider. The payer closes with a grace period in which the payee settles its
//! last voucher; then anyone finalizes and the unspent deposit goes back to the payer. The payee
//! can settle and close at once.
//!
//! Guarantees: every channel can always be closed and every base unit reaches someone: the payer
//! requests the close, anyone finalizes after the grace, whatever tokens or lamports strangers
//! send to its addresses (stray tokens go to the payer at the close); the terms that decide a
//! channel's money (protocol fee, royalty, close grace, model split) are fixed when it opens and
//! no later config change reaches them; a paused program still settles, closes and finalizes.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod payout;
pub mod state;
pub mod voucher;

use instructions::*;
use payout::SettleArgs;

declare_id!("Lu2UarP13A6S7VetKBYjmHNAG6AcN53z87xNrQBzCMD");

#[program]
pub mod tessera_channels {
    use super::*;

    /// Creates the channels config (upgrade authority only).
    pub fn initialize_config(ctx: Context<InitializeConfig>, args: InitializeConfigArgs) -> Result<()> {
        InitializeConfig::initialize_config(ctx, args)
    }

    /// Admin: changes the treasury, the fee, the close grace bounds or the pause (each field
    /// set replaces the stored value); not the admin.
    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        UpdateConfig::update_config(ctx, args)
    }

    /// Admin: proposes its successor (first step of a two-step transfer).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        ProposeAdmin::propose_admin(ctx, new_admin)
    }

    /// The proposed admin accepts and becomes the admin.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        AcceptAdmin::accept_admin(ctx)
    }

    /// A payer opens and funds a channel for a model with a provider serving it.
    pub fn open_channel(ctx: Context<OpenChannel>, args: OpenChannelArgs) -> Result<()> {
        OpenChannel::open_channel(ctx, args)
    }

    /// The payer adds to the deposit (not after a close request).
    pub fn top_up(ctx: Context<TopUp>, amount: u64) -> Result<()> {
        TopUp::top_up(ctx, amount)
    }

    /// Anyone settles a voucher verified by the Ed25519 instruction just before this one.
    pub fn settle<'info>(ctx: Context<'info, Settle<'info>>, args: SettleArgs) -> Result<()> {
        Settle::settle(ctx, args)
    }

    /// The payer requests the close; the grace period starts.
    pub fn request_close(ctx: Context<RequestClose>) -> Result<()> {
        RequestClose::request_close(ctx)
    }

    /// Anyone closes a channel after its grace: the rest of the vault to the payer.
    pub fn finalize_close(ctx: Context<FinalizeClose>) -> Result<()> {
        FinalizeClose::finalize_close(ctx)
    }

    /// The payee settles an optional final voucher and closes the channel at once.
    pub fn settle_and_close<'info>(
        ctx: Context<'info, SettleAndClose<'info>>,
        voucher: Option<SettleArgs>,
    ) -> Result<()> {
        SettleAndClose::settle_and_close(ctx, voucher)
    }
}
