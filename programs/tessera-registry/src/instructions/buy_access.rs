use anchor_lang::prelude::*;
use anchor_spl::{
    associated_token::AssociatedToken,
    token::Token,
    token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked},
};
use tessera_royalties::{cpi::accounts::Deposit, program::TesseraRoyalties};

use crate::{
    constants::*,
    errors::RegistryError,
    events::AccessBought,
    math,
    state::{AccessPass, Asset, Config},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct BuyAccessArgs {
    /// Access tokens to buy (> 0).
    pub quantity: u64,
    /// Price guard: the purchase fails if the asset's unit price is above this.
    pub max_unit_price: u64,
    /// Duration guard: the purchase fails if the asset's access duration (seconds per token)
    /// is below this, unless it is 0 (perpetual). 0 accepts any duration; `u64::MAX` accepts
    /// only a perpetual asset.
    pub min_access_duration: u64,
}

/// Buys `quantity` access tokens: the buyer pays `quantity × price`; the protocol fee goes to
/// the asset's fee vault (swept to the treasury by `sweep_fees`), each parent's share to the parent's split, the rest to the asset's split; the
/// buyer receives the tokens and its pass is created or extended. Remaining accounts: for each
/// parent of the asset, in order, its split and that split's vault (both writable).
///
/// Always possible for a funded buyer of a listed asset while the registry is not paused:
/// the pass and the buyer's access-token account are created whatever lamports sit at their
/// addresses; the fee goes to the asset's own fee vault, which nobody can close and only the
/// payment mint's freeze authority can freeze, as it can the asset's split vault (no treasury
/// account is involved, so a change of treasury cannot stop a sale); the payment-mint
/// allow-list only governs new publications, so an asset keeps selling in the mint it was published with.
#[event_cpi]
#[derive(Accounts)]
pub struct BuyAccess<'info> {
    /// The registry config (PDA with stored bump): not paused; fee.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// The asset bought (PDA with stored bump).
    #[account(
        mut,
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
    )]
    pub asset: Box<Account<'info, Asset>>,
    /// The asset's access-token mint (address stored in the asset).
    #[account(mut, address = asset.access_mint)]
    pub access_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the buyer's pass for this asset, at `[PASS_SEED, asset, buyer]` (address checked
    /// by the seeds). If it exists it is loaded (`AccessPass::load`: owner = this program,
    /// discriminator checked); otherwise it is created on this first purchase with
    /// `tessera_common::create`, whatever lamports already sit at the address.
    #[account(
        mut,
        seeds = [PASS_SEED, asset.key().as_ref(), buyer.key().as_ref()],
        bump,
    )]
    pub pass: UncheckedAccount<'info>,
    /// Pays the price and the rents; receives the access tokens.
    #[account(mut)]
    pub buyer: Signer<'info>,
    /// The buyer's payment tokens: a `payment_mint` account owned by the buyer.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = buyer,
        token::token_program = payment_token_program,
    )]
    pub buyer_payment_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The buyer's associated token account of the access mint; created if missing by the
    /// associated-token program, which tops up, allocates and assigns (a pre-funded address
    /// does not block it).
    #[account(
        init_if_needed,
        payer = buyer,
        associated_token::mint = access_mint,
        associated_token::authority = buyer,
        associated_token::token_program = access_token_program,
    )]
    pub buyer_access_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The asset's payment mint (address stored in the asset; allow-list checked in validate).
    #[account(address = asset.payment_mint, mint::token_program = payment_token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the protocol fee: the asset's fee vault (PDA with stored bump; a payment-mint
    /// account owned by the asset), swept to the treasury by `sweep_fees`. Sales of different
    /// assets write no common account.
    #[account(
        mut,
        seeds = [FEE_VAULT_SEED, asset.key().as_ref()],
        bump = asset.fee_vault_bump,
        token::mint = payment_mint,
        token::authority = asset,
        token::token_program = payment_token_program,
    )]
    pub fee_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: must be the asset's split (address constraint); its owner, seeds and vault are
    /// checked by the royalties program's `deposit`.
    #[account(mut, address = asset.split @ RegistryError::SplitMismatch)]
    pub split: UncheckedAccount<'info>,
    /// CHECK: the split's vault; the royalties program's `deposit` checks it is `split.vault`.
    #[account(mut)]
    pub split_vault: UncheckedAccount<'info>,
    pub royalties_program: Program<'info, TesseraRoyalties>,
    /// CHECK: the royalties program's event authority; checked by that program's `event_cpi`
    /// seeds constraint.
    pub royalties_event_authority: UncheckedAccount<'info>,
    /// SPL Token or Token-2022: owner of the payment mint.
    pub payment_token_program: Interface<'info, TokenInterface>,
    /// SPL Token: owner of the access mint.
    pub access_token_program: Program<'info, Token>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl<'info> BuyAccess<'info> {
    fn validate(&self, args: &BuyAccessArgs) -> Result<()> {
        // config, asset: PDAs with stored bumps. access_mint, payment_mint, split: stored
        // addresses. pass: PDA of (asset, buyer), loaded by `AccessPass::load`.
        // buyer_payment_account: mint + authority. fee_vault: PDA with stored bump, mint +
        // authority (the asset). The payment mint was allow-listed at publication; a later change of
        // the allow-list does not stop the asset's sales. Remaining checks:
        require!(!self.config.paused, RegistryError::RegistryPaused);
        require!(self.asset.is_listed(), RegistryError::AssetNotListed);
        require!(self.asset.price > 0, RegistryError::AssetIsFree);
        require!(args.quantity > 0, RegistryError::ZeroQuantity);
        require_gte!(args.max_unit_price, self.asset.price, RegistryError::PriceAboveLimit);
        require!(
            self.asset.access_duration == 0 || self.asset.access_duration >= args.min_access_duration,
            RegistryError::AccessDurationBelowLimit
        );
        require_gte!(
            self.asset.remaining_supply(),
            args.quantity,
            RegistryError::SupplyExhausted
        );
        if let Some(pass) = AccessPass::load(&self.pass)? {
            require!(!pass.revoked, RegistryError::PassRevoked);
        }
        Ok(())
    }

    fn deposit(&self, split: AccountInfo<'info>, vault: AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        tessera_royalties::cpi::deposit(
            CpiContext::new(
                self.royalties_program.key(),
                Deposit {
                    depositor: self.buyer.to_account_info(),
                    source: self.buyer_payment_account.to_account_info(),
                    split,
                    vault,
                    mint: self.payment_mint.to_account_info(),
                    token_program: self.payment_token_program.to_account_info(),
                    event_authority: self.royalties_event_authority.to_account_info(),
                    program: self.royalties_program.to_account_info(),
                },
            ),
            amount,
        )
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn buy_access(ctx: Context<'info, Self>, args: BuyAccessArgs) -> Result<()> {
        let accounts = &ctx.accounts;
        let asset = &accounts.asset;
        let total =
            math::total_price(asset.price, args.quantity).ok_or_else(|| error!(RegistryError::PriceOverflow))?;
        require_gte!(
            accounts.buyer_payment_account.amount,
            total,
            RegistryError::InsufficientFunds
        );
        let sale = math::split_sale(total, accounts.config.fee_bps, &asset.parent_bps())
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;

        // Parents' splits and vaults, in the asset's order.
        let parent_accounts = ctx.remaining_accounts;
        require_eq!(
            parent_accounts.len(),
            asset.parents.len() * 2,
            RegistryError::ParentAccountsMismatch
        );

        // 1. Protocol fee to the asset's fee vault.
        if sale.fee > 0 {
            token_interface::transfer_checked(
                CpiContext::new(
                    accounts.payment_token_program.key(),
                    TransferChecked {
                        from: accounts.buyer_payment_account.to_account_info(),
                        mint: accounts.payment_mint.to_account_info(),
                        to: accounts.fee_vault.to_account_info(),
                        authority: accounts.buyer.to_account_info(),
                    },
                ),
                sale.fee,
                accounts.payment_mint.decimals,
            )?;
        }
        // 2. Each parent's share to its split (the royalties program checks the vault).
        for (i, link) in asset.parents.iter().enumerate() {
            let split = &parent_accounts[2 * i];
            let vault = &parent_accounts[2 * i + 1];
            require_keys_eq!(split.key(), link.split, RegistryError::SplitMismatch);
            accounts.deposit(split.clone(), vault.clone(), sale.parents[i])?;
        }
        // 3. The rest to the asset's split.
        accounts.deposit(
            accounts.split.to_account_info(),
            accounts.split_vault.to_account_info(),
            sale.net,
        )?;
        // 4. The access tokens, minted by the asset PDA.
        Asset::mint_access(
            asset,
            &accounts.access_token_program,
            &accounts.access_mint,
            &accounts.buyer_access_account,
            args.quantity,
        )?;

        // 5. The pass: loaded, or created (prefund-safe) on the first purchase, then extended.
        let asset_key = asset.key();
        let buyer = accounts.buyer.key();
        let pass_info = accounts.pass.to_account_info();
        let pass = AccessPass::grant(
            &pass_info,
            AccessPass::load(&pass_info)?,
            &accounts.buyer.to_account_info(),
            &accounts.system_program.to_account_info(),
            asset_key,
            buyer,
            ctx.bumps.pass,
            asset.access_duration,
            args.quantity,
            Clock::get()?.unix_timestamp,
        )?;
        let (expires_at, perpetual, pass_key) = (pass.expires_at, pass.perpetual, pass_info.key());

        // 6. The asset's counters.
        let asset = &mut ctx.accounts.asset;
        asset.record_sale(args.quantity)?;

        emit_cpi!(AccessBought {
            asset: asset_key,
            buyer,
            pass: pass_key,
            quantity: args.quantity,
            price: asset.price,
            total,
            fee: sale.fee,
            parent_amounts: sale.parents[..asset.parents.len()].to_vec(),
            net: sale.net,
            expires_at,
            perpetual,
            sale_seq: asset.sales,
        });
        Ok(())
    }
}
