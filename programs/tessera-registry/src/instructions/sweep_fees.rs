use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::{
    constants::*,
    errors::RegistryError,
    events::FeesSwept,
    state::{Asset, Config},
};

/// Moves everything in an asset's fee vault (the protocol fees of its sales, and anything sent
/// there) to the treasury: any payment-mint token account of the config's current treasury.
///
/// Permissionless and always possible: whatever the asset's state, and while the registry is
/// paused; fees accrued before a change of treasury go to the new treasury. An empty vault, and
/// a vault frozen by the mint's freeze authority, are no-ops (no event), so a sweep of many
/// assets in one transaction never fails on one of them (the frozen vault's fees stay in it,
/// safe, until it is thawed).
/// Sales write their own asset's fee vault instead of the one treasury account, so purchases of
/// different assets share no writable account.
#[event_cpi]
#[derive(Accounts)]
pub struct SweepFees<'info> {
    /// The registry config (PDA with stored bump): the treasury.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// The asset whose fees are swept (PDA with stored bump); signs for its fee vault.
    #[account(
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The asset's fee vault (PDA with stored bump; a payment-mint account owned by the asset).
    #[account(
        mut,
        seeds = [FEE_VAULT_SEED, asset.key().as_ref()],
        bump = asset.fee_vault_bump,
        token::mint = payment_mint,
        token::authority = asset,
        token::token_program = payment_token_program,
    )]
    pub fee_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The asset's payment mint (address stored in the asset).
    #[account(address = asset.payment_mint, mint::token_program = payment_token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the fees: any `payment_mint` account owned by the config's current treasury.
    #[account(
        mut,
        token::mint = payment_mint,
        token::token_program = payment_token_program,
        constraint = treasury_token_account.owner == config.treasury @ RegistryError::TreasuryMismatch,
    )]
    pub treasury_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token or Token-2022: owner of the payment mint.
    pub payment_token_program: Interface<'info, TokenInterface>,
}

impl SweepFees<'_> {
    fn validate(&self) -> Result<()> {
        // config, asset, fee_vault: PDAs with stored bumps; fee_vault: mint + authority.
        // payment_mint: stored address. treasury_token_account: mint + owner == treasury.
        // Nothing else: a sweep is never refused for the asset's state or a pause.
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn sweep_fees(ctx: Context<Self>) -> Result<()> {
        let amount = ctx.accounts.fee_vault.amount;
        if amount == 0 || ctx.accounts.fee_vault.is_frozen() {
            return Ok(());
        }
        let accounts = &ctx.accounts;
        let before = accounts.treasury_token_account.amount;
        let seeds = accounts.asset.signer_seeds();
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                accounts.payment_token_program.key(),
                TransferChecked {
                    from: accounts.fee_vault.to_account_info(),
                    mint: accounts.payment_mint.to_account_info(),
                    to: accounts.treasury_token_account.to_account_info(),
                    authority: accounts.asset.to_account_info(),
                },
                &[&seeds],
            ),
            amount,
            accounts.payment_mint.decimals,
        )?;
        ctx.accounts.treasury_token_account.reload()?;
        let received = ctx
            .accounts
            .treasury_token_account
            .amount
            .checked_sub(before)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        emit_cpi!(FeesSwept {
            asset: ctx.accounts.asset.key(),
            treasury_token_account: ctx.accounts.treasury_token_account.key(),
            amount,
            received,
        });
        Ok(())
    }
}
