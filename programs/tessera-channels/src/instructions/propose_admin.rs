use anchor_lang::prelude::*;
use tessera_common::two_step;

use crate::{constants::*, errors::ChannelsError, events::ChannelsAdminProposed, state::ChannelsConfig};

/// First step of an admin transfer: the admin proposes its successor, which takes over only
/// when it signs `accept_admin`, so the role never goes to a key nobody controls. A new
/// proposal replaces the previous one.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The config's admin (checked against `config.admin` in validate).
    pub admin: Signer<'info>,
    /// The config (PDA with stored bump).
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, ChannelsConfig>>,
}

/// The channels program's error for a refused step of an admin transfer.
pub(crate) fn admin_refusal(refusal: two_step::Refusal) -> Error {
    match refusal {
        two_step::Refusal::NotCurrent => error!(ChannelsError::NotAdmin),
        two_step::Refusal::NoPending => error!(ChannelsError::NoPendingAdmin),
        two_step::Refusal::NotPending => error!(ChannelsError::NotPendingAdmin),
    }
}

impl ProposeAdmin<'_> {
    fn validate(&self) -> Result<()> {
        // admin: signer, and the config's admin. config: PDA + stored bump. Any key may be
        // proposed: it has no power until it signs `accept_admin`.
        two_step::check_propose(&self.config.admin, &self.admin.key()).map_err(admin_refusal)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn propose_admin(ctx: Context<Self>, new_admin: Pubkey) -> Result<()> {
        two_step::propose(&mut ctx.accounts.config.pending_admin, Some(new_admin));
        emit_cpi!(ChannelsAdminProposed {
            admin: ctx.accounts.admin.key(),
            pending_admin: new_admin,
        });
        Ok(())
    }
}
