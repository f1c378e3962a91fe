use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{constants::*, errors::ChannelsError, events::ChannelClosed, payout::close_channel, state::Channel};

/// Anyone closes a channel once the grace after the payer's close request has ended:
/// everything in the vault (the unspent deposit and any stray tokens) goes to a token account
/// of the payer; the vault and the channel close, their rents to the payer. The payee cannot
/// stop it.
#[event_cpi]
#[derive(Accounts)]
pub struct FinalizeClose<'info> {
    /// Anyone (a bot, the payer, the payee); pays only the transaction fee.
    pub caller: Signer<'info>,
    /// The channel (PDA with stored bump); closed here, rent to the payer.
    #[account(
        mut,
        seeds = [CHANNEL_SEED, channel.payer.as_ref(), &channel.channel_id.to_le_bytes()],
        bump = channel.bump,
    )]
    pub channel: Box<Account<'info, Channel>>,
    /// The channel's vault (address stored in the channel); emptied and closed.
    #[account(mut, address = channel.vault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: only receives lamports (the rents); must be the channel's payer (address).
    #[account(mut, address = channel.payer @ ChannelsError::NotPayer)]
    pub payer: UncheckedAccount<'info>,
    /// Receives the refund and any surplus: a `mint` account owned by the channel's payer.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = payer_token_account.owner == channel.payer @ ChannelsError::WrongTokenAccountOwner,
    )]
    pub payer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The channel's mint (address stored in the channel); writable when the vault holds
    /// withheld transfer fees to harvest (Token-2022, see `payout::harvest_vault`).
    #[account(address = channel.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl FinalizeClose<'_> {
    fn validate(&self) -> Result<()> {
        // caller: signer. channel: PDA with stored bump. vault, payer, mint: stored addresses.
        // payer_token_account: mint + owner. The grace:
        let end = self
            .channel
            .grace_ends_at()?
            .ok_or_else(|| error!(ChannelsError::CloseNotRequested))?;
        require_gte!(Clock::get()?.unix_timestamp, end, ChannelsError::CloseGraceNotOver);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn finalize_close(ctx: Context<Self>) -> Result<()> {
        let a = &mut *ctx.accounts;
        let channel_key = a.channel.key();
        let settled = a.channel.settled;
        let by = a.caller.key();
        let closed = close_channel(
            &mut a.channel,
            &a.vault,
            &a.mint,
            &a.token_program,
            &a.payer.to_account_info(),
            a.payer_token_account.to_account_info(),
        )?;
        emit_cpi!(ChannelClosed {
            channel: channel_key,
            settled,
            refund: closed.refund,
            surplus: closed.surplus,
            by,
        });
        Ok(())
    }
}
