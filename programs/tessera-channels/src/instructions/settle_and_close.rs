use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

// The glob brings the `Settlement` composite's generated client modules along with it.
use crate::{errors::ChannelsError, events::ChannelClosed, payout::*};

/// The payee settles a final voucher (optional: `None` settles nothing) and closes the channel at
/// once, without waiting for a grace: it gives up the rest. The voucher is checked and paid
/// exactly as by `settle` (the Ed25519 instruction just before this one when `Some`), then the
/// channel closes as by `finalize_close`: everything left in the vault to the payer, rents to the
/// payer. Remaining accounts (when settling): each parent's split and split vault, in the model's
/// order.
#[event_cpi]
#[derive(Accounts)]
pub struct SettleAndClose<'info> {
    /// The channel's payee (checked against the channel in validate).
    pub payee: Signer<'info>,
    pub settlement: Settlement<'info>,
    /// CHECK: only receives lamports (the rents); must be the channel's payer (address).
    #[account(mut, address = settlement.channel.payer @ ChannelsError::NotPayer)]
    pub payer: UncheckedAccount<'info>,
    /// Receives the refund and any surplus: a channel-mint account owned by the channel's payer.
    #[account(
        mut,
        token::mint = settlement.mint,
        token::token_program = settlement.token_program,
        constraint = payer_token_account.owner == settlement.channel.payer @ ChannelsError::WrongTokenAccountOwner,
    )]
    pub payer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl<'info> SettleAndClose<'info> {
    fn validate(&self, voucher: Option<&SettleArgs>) -> Result<()> {
        // settlement: see `Settlement`. payer: stored address. payer_token_account: mint + owner.
        // payee: signer, and the channel's payee:
        require_keys_eq!(self.payee.key(), self.settlement.channel.payee, ChannelsError::NotPayee);
        if let Some(args) = voucher {
            self.settlement.check_voucher(args)?;
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(voucher.as_ref()))]
    pub fn settle_and_close(ctx: Context<'info, Self>, voucher: Option<SettleArgs>) -> Result<()> {
        let settled_event = match &voucher {
            Some(args) => Some(ctx.accounts.settlement.pay(args, ctx.remaining_accounts)?),
            None => None,
        };
        let a = &mut *ctx.accounts;
        let s = &mut a.settlement;
        let channel_key = s.channel.key();
        let settled = s.channel.settled;
        let closed = close_channel(
            &mut s.channel,
            &s.vault,
            &s.mint,
            &s.token_program,
            &a.payer.to_account_info(),
            a.payer_token_account.to_account_info(),
        )?;
        let by = a.payee.key();
        if let Some(e) = settled_event {
            emit_cpi!(e);
        }
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
