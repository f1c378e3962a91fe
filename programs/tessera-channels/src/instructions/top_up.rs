use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::*,
    errors::ChannelsError,
    events::ChannelToppedUp,
    payout::deposit_into_vault,
    state::{Channel, ChannelsConfig},
};

/// The payer adds `amount` to the channel's deposit (recorded as what the vault received).
/// Refused once a close was requested, and while the program is paused.
#[event_cpi]
#[derive(Accounts)]
pub struct TopUp<'info> {
    /// The config (PDA with stored bump): not paused.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, ChannelsConfig>>,
    /// The channel's payer (checked against the channel in validate).
    pub payer: Signer<'info>,
    /// The channel (PDA with stored bump).
    #[account(
        mut,
        seeds = [CHANNEL_SEED, channel.payer.as_ref(), &channel.channel_id.to_le_bytes()],
        bump = channel.bump,
    )]
    pub channel: Box<Account<'info, Channel>>,
    /// CHECK: the channel's vault (address stored in the channel); the token program checks
    /// the transfer into it (mint).
    #[account(mut, address = channel.vault)]
    pub vault: UncheckedAccount<'info>,
    /// The channel's mint (address stored in the channel).
    #[account(address = channel.mint, mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The tokens come from here: a `mint` account owned by the payer.
    #[account(mut, token::mint = mint, token::authority = payer, token::token_program = token_program)]
    pub payer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

impl TopUp<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        // config, channel: PDAs with stored bumps. vault, mint: stored addresses.
        // payer_token_account: mint + authority. Remaining checks:
        require_keys_eq!(self.payer.key(), self.channel.payer, ChannelsError::NotPayer);
        require!(!self.config.paused, ChannelsError::ChannelsPaused);
        require!(!self.channel.close_requested(), ChannelsError::CloseRequested);
        require!(amount > 0, ChannelsError::ZeroAmount);
        Ok(())
    }

    #[access_control(ctx.accounts.validate(amount))]
    pub fn top_up(ctx: Context<Self>, amount: u64) -> Result<()> {
        let a = &ctx.accounts;
        let received = deposit_into_vault(
            &a.payer_token_account,
            &a.vault.to_account_info(),
            &a.mint,
            &a.payer.to_account_info(),
            &a.token_program,
            amount,
        )?;
        let channel = &mut ctx.accounts.channel;
        channel.deposit = channel
            .deposit
            .checked_add(received)
            .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
        emit_cpi!(ChannelToppedUp {
            channel: channel.key(),
            amount,
            received,
            deposit: channel.deposit,
        });
        Ok(())
    }
}
