use anchor_lang::prelude::*;

use crate::{constants::*, errors::ChannelsError, events::ChannelCloseRequested, state::Channel};

/// The payer asks to close its channel. The payee has the channel's close grace to settle its
/// last voucher; after it anyone finalizes (`finalize_close`) and the unspent deposit goes back
/// to the payer. Top-ups are refused from now on.
#[event_cpi]
#[derive(Accounts)]
pub struct RequestClose<'info> {
    /// The channel's payer (checked against the channel in validate).
    pub payer: Signer<'info>,
    /// The channel (PDA with stored bump).
    #[account(
        mut,
        seeds = [CHANNEL_SEED, channel.payer.as_ref(), &channel.channel_id.to_le_bytes()],
        bump = channel.bump,
    )]
    pub channel: Box<Account<'info, Channel>>,
}

impl RequestClose<'_> {
    fn validate(&self) -> Result<()> {
        // payer: signer, and the channel's payer. channel: PDA with stored bump.
        require_keys_eq!(self.payer.key(), self.channel.payer, ChannelsError::NotPayer);
        require!(!self.channel.close_requested(), ChannelsError::CloseAlreadyRequested);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn request_close(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let channel = &mut ctx.accounts.channel;
        channel.close_requested_at = now;
        let grace_ends_at = channel
            .grace_ends_at()?
            .ok_or_else(|| error!(ChannelsError::CloseNotRequested))?;
        emit_cpi!(ChannelCloseRequested {
            channel: channel.key(),
            requested_at: now,
            grace_ends_at,
        });
        Ok(())
    }
}
