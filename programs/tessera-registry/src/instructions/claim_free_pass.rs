use anchor_lang::prelude::*;
use anchor_spl::{
    associated_token::AssociatedToken,
    token::Token,
    token_interface::{Mint, TokenAccount},
};

use crate::{
    constants::*,
    errors::RegistryError,
    events::AccessBought,
    state::{AccessPass, Asset, Config},
};

/// Claims the pass of a free asset (price 0): one access token and a pass, one per wallet at a
/// time. The pass is recorded on chain like a bought one (`AccessBought` with a zero total),
/// counts against the asset's max supply, and expires like a pass bought for one token
/// (perpetual when the asset is). A wallet whose pass for the asset is still valid (or
/// perpetual) cannot claim again (`FreePassAlreadyClaimed`); one whose pass has expired (claimed,
/// or bought before the price became 0) renews it with a claim, for one more period and one more
/// token; a revoked pass is never renewed (`PassRevoked`).
///
/// Needs no payment accounts: the claimer pays only the rents of its pass and access-token
/// account. Prefund-safe like `buy_access`: lamports sent to the pass address or the access
/// account's address before the claim do not block it.
#[event_cpi]
#[derive(Accounts)]
pub struct ClaimFreePass<'info> {
    /// The registry config (PDA with stored bump): not paused.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// The free asset (PDA with stored bump): listed, price 0, supply left.
    #[account(
        mut,
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The asset's access-token mint (address stored in the asset).
    #[account(mut, address = asset.access_mint)]
    pub access_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the claimer's pass for this asset, at `[PASS_SEED, asset, holder]` (address
    /// checked by the seeds). If it exists it is loaded (`AccessPass::load`: owner = this
    /// program, discriminator checked) and must be expired and not revoked (validate);
    /// otherwise `AccessPass::grant` creates it whatever lamports sit there.
    #[account(
        mut,
        seeds = [PASS_SEED, asset.key().as_ref(), holder.key().as_ref()],
        bump,
    )]
    pub pass: UncheckedAccount<'info>,
    /// The claimer: signs, pays the rents, receives the access token.
    #[account(mut)]
    pub holder: Signer<'info>,
    /// The holder's associated token account of the access mint; created if missing (a
    /// pre-funded address does not block it).
    #[account(
        init_if_needed,
        payer = holder,
        associated_token::mint = access_mint,
        associated_token::authority = holder,
        associated_token::token_program = access_token_program,
    )]
    pub holder_access_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token: owner of the access mint.
    pub access_token_program: Program<'info, Token>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl ClaimFreePass<'_> {
    fn validate(&self) -> Result<()> {
        // config, asset: PDAs with stored bumps. access_mint: stored address. pass: PDA of
        // (asset, holder). holder_access_account: the holder's ATA. Remaining checks:
        require!(!self.config.paused, RegistryError::RegistryPaused);
        require!(self.asset.is_listed(), RegistryError::AssetNotListed);
        require!(self.asset.price == 0, RegistryError::AssetNotFree);
        require_gte!(self.asset.remaining_supply(), 1, RegistryError::SupplyExhausted);
        if let Some(pass) = AccessPass::load(&self.pass)? {
            require!(!pass.revoked, RegistryError::PassRevoked);
            let now = Clock::get()?.unix_timestamp;
            require!(
                !pass.perpetual && now >= pass.expires_at,
                RegistryError::FreePassAlreadyClaimed
            );
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate())]
    pub fn claim_free_pass(ctx: Context<Self>) -> Result<()> {
        let accounts = &ctx.accounts;
        let asset = &accounts.asset;
        Asset::mint_access(
            asset,
            &accounts.access_token_program,
            &accounts.access_mint,
            &accounts.holder_access_account,
            1,
        )?;
        let asset_key = asset.key();
        let holder = accounts.holder.key();
        let pass_info = accounts.pass.to_account_info();
        let pass = AccessPass::grant(
            &pass_info,
            AccessPass::load(&pass_info)?,
            &accounts.holder.to_account_info(),
            &accounts.system_program.to_account_info(),
            asset_key,
            holder,
            ctx.bumps.pass,
            asset.access_duration,
            1,
            Clock::get()?.unix_timestamp,
        )?;

        let asset = &mut ctx.accounts.asset;
        asset.record_sale(1)?;
        emit_cpi!(AccessBought {
            asset: asset_key,
            buyer: holder,
            pass: pass_info.key(),
            quantity: 1,
            price: 0,
            total: 0,
            fee: 0,
            parent_amounts: vec![0; asset.parents.len()],
            net: 0,
            expires_at: pass.expires_at,
            perpetual: pass.perpetual,
            sale_seq: asset.sales,
        });
        Ok(())
    }
}
