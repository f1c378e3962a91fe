use anchor_lang::prelude::*;

use crate::{constants::*, errors::RegistryError, events::AdminChanged, state::Config};

/// Second step of an admin transfer: the proposed admin signs and becomes the admin; the
/// proposal is cleared.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin (checked against `config.pending_admin` in validate).
    pub new_admin: Signer<'info>,
    /// The config (PDA with stored bump).
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
}

impl AcceptAdmin<'_> {
    fn validate(&self) -> Result<()> {
        // new_admin: signer, and the pending admin. config: PDA + stored bump.
        let pending = self
            .config
            .pending_admin
            .ok_or_else(|| error!(RegistryError::NoPendingAdmin))?;
        require_keys_eq!(pending, self.new_admin.key(), RegistryError::NotPendingAdmin);
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_admin(ctx: Context<Self>) -> Result<()> {
        let config = &mut ctx.accounts.config;
        let previous = config.admin;
        config.admin = ctx.accounts.new_admin.key();
        config.pending_admin = None;
        emit_cpi!(AdminChanged {
            previous,
            admin: config.admin,
        });
        Ok(())
    }
}
