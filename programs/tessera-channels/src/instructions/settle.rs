use anchor_lang::prelude::*;

// The glob brings the `Settlement` composite's generated client modules along with it.
use crate::payout::*;

/// Anyone settles a voucher signed by the channel's authorized signer: the transaction carries,
/// just before this instruction, the Ed25519 program's check of the signature (see
/// [`crate::voucher`]). What the voucher adds to the settled total is paid out of the vault by
/// the lineage rule (protocol fee, parents' splits, model split, payee). Several settles fit in
/// one transaction (`[ed25519, settle, ed25519, settle, …]`). Remaining accounts: each parent's
/// split and split vault, in the model's order.
#[event_cpi]
#[derive(Accounts)]
pub struct Settle<'info> {
    pub settlement: Settlement<'info>,
}

impl<'info> Settle<'info> {
    fn validate(&self, args: &SettleArgs) -> Result<()> {
        // settlement: see `Settlement` (each account's check is documented there). The voucher:
        // its signature, amount, expiry and the close grace.
        self.settlement.check_voucher(args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn settle(ctx: Context<'info, Self>, args: SettleArgs) -> Result<()> {
        let event = ctx.accounts.settlement.pay(&args, ctx.remaining_accounts)?;
        emit_cpi!(event);
        Ok(())
    }
}
