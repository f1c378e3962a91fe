use anchor_lang::prelude::*;
use tessera_common::two_step;

use crate::{
    constants::*, events::ChannelsAdminChanged, instructions::propose_admin::admin_refusal, state::ChannelsConfig,
};

/// Second step of an admin transfer: the proposed admin signs and becomes the admin; the
/// proposal is cleared.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin (checked against `config.pending_admin` in validate).
    pub new_admin: Signer<'info>,
    /// The config (PDA with stored bump).
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, ChannelsConfig>>,
}

impl AcceptAdmin<'_> {
    fn validate(&self) -> Result<()> {
        // new_admin: signer, and the pending admin. config: PDA + stored bump.
        two_step::check_accept(self.config.pending_admin.as_ref(), &self.new_admin.key()).map_err(admin_refusal)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_admin(ctx: Context<Self>) -> Result<()> {
        let new_admin = ctx.accounts.new_admin.key();
        let config: &mut ChannelsConfig = &mut ctx.accounts.config;
        let previous = two_step::accept(&mut config.admin, &mut config.pending_admin, new_admin);
        emit_cpi!(ChannelsAdminChanged {
            previous,
            admin: config.admin,
        });
        Ok(())
    }
}
