use anchor_lang::prelude::*;
use anchor_spl::{
    token::Token,
    token_interface::{self, Burn, Mint, TokenAccount},
};

use crate::{
    constants::*,
    errors::RegistryError,
    events::AccessRedeemed,
    state::{AccessPass, Asset},
};

/// The holder burns `quantity` access tokens to consume access (a download, a batch of
/// inferences); the event tells the data server. Requires a valid pass.
#[event_cpi]
#[derive(Accounts)]
pub struct RedeemAccess<'info> {
    /// The pass holder; owns the tokens burnt.
    pub holder: Signer<'info>,
    /// The asset (PDA with stored bump).
    #[account(
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The holder's pass for this asset (PDA of asset and holder, stored bump).
    #[account(
        mut,
        seeds = [PASS_SEED, asset.key().as_ref(), holder.key().as_ref()],
        bump = pass.bump,
    )]
    pub pass: Box<Account<'info, AccessPass>>,
    /// The asset's access mint (address stored in the asset).
    #[account(mut, address = asset.access_mint)]
    pub access_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The holder's access tokens: an `access_mint` account owned by the holder.
    #[account(mut, token::mint = access_mint, token::authority = holder)]
    pub holder_access_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token: owner of the access mint.
    pub access_token_program: Program<'info, Token>,
}

impl RedeemAccess<'_> {
    fn validate(&self, quantity: u64) -> Result<()> {
        // holder: signer. asset, pass: PDAs with stored bumps. access_mint: stored address.
        // holder_access_account: mint + authority.
        require!(quantity > 0, RegistryError::ZeroQuantity);
        self.pass.check_valid_at(Clock::get()?.unix_timestamp)?;
        require_gte!(
            self.holder_access_account.amount,
            quantity,
            RegistryError::NoAccessToken
        );
        Ok(())
    }

    #[access_control(ctx.accounts.validate(quantity))]
    pub fn redeem_access(ctx: Context<Self>, quantity: u64) -> Result<()> {
        token_interface::burn(
            CpiContext::new(
                ctx.accounts.access_token_program.key(),
                Burn {
                    mint: ctx.accounts.access_mint.to_account_info(),
                    from: ctx.accounts.holder_access_account.to_account_info(),
                    authority: ctx.accounts.holder.to_account_info(),
                },
            ),
            quantity,
        )?;
        let pass = &mut ctx.accounts.pass;
        pass.redeemed = pass
            .redeemed
            .checked_add(quantity)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        let remaining = ctx
            .accounts
            .holder_access_account
            .amount
            .checked_sub(quantity)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        emit_cpi!(AccessRedeemed {
            asset: ctx.accounts.asset.key(),
            holder: ctx.accounts.holder.key(),
            quantity,
            redeemed_total: ctx.accounts.pass.redeemed,
            remaining,
        });
        Ok(())
    }
}
