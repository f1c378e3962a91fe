use anchor_lang::prelude::*;

use crate::{constants::*, errors::RegistryError, events::AdminProposed, state::Config};

/// First step of an admin transfer: the admin proposes its successor, which takes over only
/// when it signs `accept_admin`, so the role never goes to a key nobody controls. A new
/// proposal replaces the previous one; proposing the current admin cancels it in effect.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The config's admin.
    pub admin: Signer<'info>,
    /// The config (PDA with stored bump); `has_one = admin`.
    #[account(
        mut,
        seeds = [CONFIG_SEED],
        bump = config.bump,
        has_one = admin @ RegistryError::NotAdmin,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl ProposeAdmin<'_> {
    fn validate(&self) -> Result<()> {
        // admin: signer + has_one. config: PDA + stored bump. Any key may be proposed: it has
        // no power until it signs `accept_admin`.
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn propose_admin(ctx: Context<Self>, new_admin: Pubkey) -> Result<()> {
        ctx.accounts.config.pending_admin = Some(new_admin);
        emit_cpi!(AdminProposed {
            admin: ctx.accounts.admin.key(),
            pending_admin: new_admin,
        });
        Ok(())
    }
}
