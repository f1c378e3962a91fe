use anchor_lang::prelude::*;
use anchor_spl::{
    token::Token,
    token_interface::{Mint, TokenInterface},
};
use tessera_common::create::{init_mint_pda, init_pda_account, init_token_account_pda};
use tessera_royalties::{
    cpi::accounts::CreateSplit, instructions::CreateSplitArgs, program::TesseraRoyalties, state::RecipientInput,
};

use crate::{
    constants::*,
    errors::RegistryError,
    events::AssetPublished,
    mint_policy::check_payment_mint,
    state::{Asset, AssetKind, AssetState, Config, License, ParentLink},
};

/// A parent declared by a model: the parent asset and its share of each sale.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct ParentInput {
    pub asset: Pubkey,
    pub bps: u16,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct PublishAssetArgs {
    pub kind: AssetKind,
    /// SHA-256 of the artifact; part of the asset's address.
    pub content_hash: [u8; 32],
    /// Metadata URI, 1..=200 bytes.
    pub uri: String,
    pub license: License,
    /// Unit price in base units of the payment mint; 0 = free (one pass per wallet, claimed
    /// with `claim_free_pass`).
    pub price: u64,
    /// 0 = unlimited.
    pub max_supply: u64,
    /// Seconds of access per token; 0 = perpetual.
    pub access_duration: u64,
    /// Share of each paid inference that goes to this asset's split (≤ 5,000 bps).
    pub inference_royalty_bps: u16,
    /// Inference jobs for this asset require a valid pass.
    pub inference_gated: bool,
    /// Models only: ≤ 8 distinct parents, Σ bps ≤ 5,000. Their asset accounts follow as
    /// remaining accounts, in the same order.
    pub parents: Vec<ParentInput>,
    /// The asset's own royalty split: 1..=16 recipients, Σ bps = 10,000.
    pub recipients: Vec<RecipientInput>,
}

/// Lists a dataset or a model: creates the asset, its access-token mint and its royalty split
/// in one transaction. Remaining accounts: the parent assets, in the order of `args.parents`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: PublishAssetArgs)]
pub struct PublishAsset<'info> {
    /// The registry config (PDA with stored bump): must not be paused; holds the mint allow-list.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// The publisher: signs, pays the rents, becomes the split's authority.
    #[account(mut)]
    pub publisher: Signer<'info>,
    /// CHECK: the new asset, created here at `[ASSET_SEED, publisher, content_hash]` (address
    /// checked by the seeds) with `tessera_common::create`: whatever lamports already sit at
    /// the address; an address already in use (the same artifact listed twice) is refused
    /// with `AccountNotSystemOwned`.
    #[account(
        mut,
        seeds = [ASSET_SEED, publisher.key().as_ref(), args.content_hash.as_ref()],
        bump,
    )]
    pub asset: UncheckedAccount<'info>,
    /// CHECK: the asset's access-token mint, created here at `[ACCESS_MINT_SEED, asset]`
    /// (address checked by the seeds) with `tessera_common::create`, whatever lamports already
    /// sit at the address: an SPL Token mint of decimals 0, mint authority the asset PDA, no
    /// freeze authority.
    #[account(mut, seeds = [ACCESS_MINT_SEED, asset.key().as_ref()], bump)]
    pub access_mint: UncheckedAccount<'info>,
    /// CHECK: the asset's fee vault, created here at `[FEE_VAULT_SEED, asset]` (address
    /// checked by the seeds) with `tessera_common::create`, whatever lamports already sit at
    /// the address: a `payment_mint` token account whose owner is the asset PDA.
    #[account(mut, seeds = [FEE_VAULT_SEED, asset.key().as_ref()], bump)]
    pub fee_vault: UncheckedAccount<'info>,
    /// The payment mint: on the allow-list and without unsupported Token-2022 extensions
    /// (validate, `mint_policy`), owned by `payment_token_program`.
    #[account(mint::token_program = payment_token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: created by the royalties program's `create_split` in this instruction, which
    /// checks the address is the split PDA of this asset (`[SPLIT_SEED, asset]`).
    #[account(mut)]
    pub split: UncheckedAccount<'info>,
    /// CHECK: created by the royalties program's `create_split` in this instruction at
    /// `[VAULT_SEED, split]` (it checks the seeds).
    #[account(mut)]
    pub split_vault: UncheckedAccount<'info>,
    /// The version this asset supersedes, if any: same publisher and kind, no successor yet
    /// (validate). Records this asset as its successor.
    #[account(mut)]
    pub previous_version: Option<Box<Account<'info, Asset>>>,
    pub royalties_program: Program<'info, TesseraRoyalties>,
    /// CHECK: the royalties program's event authority; checked by the royalties program's
    /// `event_cpi` seeds constraint.
    pub royalties_event_authority: UncheckedAccount<'info>,
    /// SPL Token or Token-2022: owner of the payment mint.
    pub payment_token_program: Interface<'info, TokenInterface>,
    /// SPL Token: owner of the access-token mint.
    pub access_token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> PublishAsset<'info> {
    fn validate(&self, args: &PublishAssetArgs, parents: &[AccountInfo<'info>]) -> Result<()> {
        // config: PDA + stored bump. publisher: signer. asset, access_mint: PDA addresses
        // (seeds), created in the handler (which refuses addresses already in use).
        // split, split_vault: checked by the royalties program. Remaining checks:
        require!(!self.config.paused, RegistryError::RegistryPaused);
        require!(
            self.config.is_payment_mint_allowed(&self.payment_mint.key()),
            RegistryError::PaymentMintNotAllowed
        );
        check_payment_mint(&self.payment_mint.to_account_info())?;
        require!(!args.uri.is_empty(), RegistryError::UriEmpty);
        require_gte!(MAX_URI_LEN, args.uri.len(), RegistryError::UriTooLong);
        require!(args.content_hash != [0u8; 32], RegistryError::ZeroContentHash);
        require!(
            args.license.flags & !LICENSE_ALL_FLAGS == 0,
            RegistryError::InvalidLicenseFlags
        );
        require_gte!(
            MAX_INFERENCE_ROYALTY_BPS,
            args.inference_royalty_bps,
            RegistryError::InferenceRoyaltyAboveCap
        );

        // Parents.
        if args.kind == AssetKind::Dataset {
            require!(args.parents.is_empty(), RegistryError::DatasetCannotHaveParents);
        }
        require_gte!(MAX_PARENTS, args.parents.len(), RegistryError::TooManyParents);
        require_eq!(parents.len(), args.parents.len(), RegistryError::ParentAccountsMismatch);
        let mut total_bps: u32 = 0;
        for (i, p) in args.parents.iter().enumerate() {
            require!(p.bps > 0, RegistryError::ZeroParentShare);
            require_keys_neq!(p.asset, self.asset.key(), RegistryError::SelfParent);
            require!(
                !args.parents[..i].iter().any(|o| o.asset == p.asset),
                RegistryError::DuplicateParent
            );
            total_bps += u32::from(p.bps);
        }
        require_gte!(
            u32::from(MAX_PARENTS_TOTAL_BPS),
            total_bps,
            RegistryError::ParentSharesAboveCap
        );

        // Previous version.
        if let Some(prev) = &self.previous_version {
            require!(
                prev.publisher == self.publisher.key()
                    && prev.kind == args.kind
                    && prev.successor.is_none()
                    && prev.key() != self.asset.key(),
                RegistryError::InvalidPreviousVersion
            );
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&args, ctx.remaining_accounts))]
    pub fn publish_asset(ctx: Context<'info, Self>, args: PublishAssetArgs) -> Result<()> {
        let asset_key = ctx.accounts.asset.key();
        let payment_mint = ctx.accounts.payment_mint.key();

        // Read the parents: registry assets (owner + discriminator checked by `try_from`),
        // matching the declared keys, paid in the same mint, not retired.
        let mut parents = Vec::with_capacity(args.parents.len());
        for (input, info) in args.parents.iter().zip(ctx.remaining_accounts) {
            require_keys_eq!(input.asset, info.key(), RegistryError::ParentAccountsMismatch);
            let parent: Account<Asset> = Account::try_from(info)?;
            require_keys_eq!(parent.payment_mint, payment_mint, RegistryError::ParentMintMismatch);
            require!(parent.state != AssetState::Retired, RegistryError::ParentRetired);
            parents.push(ParentLink {
                asset: input.asset,
                split: parent.split,
                bps: input.bps,
            });
        }

        let a = &ctx.accounts;
        let publisher = a.publisher.key();
        let asset = Asset {
            publisher,
            kind: args.kind,
            state: AssetState::Listed,
            content_hash: args.content_hash,
            access_mint: a.access_mint.key(),
            payment_mint,
            split: a.split.key(),
            price: args.price,
            max_supply: args.max_supply,
            sold: 0,
            sales: 0,
            access_duration: args.access_duration,
            license: args.license,
            inference_royalty_bps: args.inference_royalty_bps,
            inference_gated: args.inference_gated,
            published_at: Clock::get()?.unix_timestamp,
            bump: ctx.bumps.asset,
            access_mint_bump: ctx.bumps.access_mint,
            fee_vault_bump: ctx.bumps.fee_vault,
            previous_version: a.previous_version.as_ref().map(|p| p.key()),
            successor: None,
            parents,
            uri: args.uri,
        };
        let seeds = asset.signer_seeds();
        let payer = a.publisher.to_account_info();
        let system_program = a.system_program.to_account_info();

        // The asset, then its access mint (mint authority: the asset PDA).
        init_pda_account(
            &payer,
            &a.asset.to_account_info(),
            &system_program,
            Asset::space(asset.parents.len()),
            &seeds,
            &asset,
        )?;
        init_mint_pda(
            &payer,
            &a.access_mint.to_account_info(),
            &system_program,
            &a.access_token_program.to_account_info(),
            0,
            &asset_key,
            None,
            &[ACCESS_MINT_SEED, asset_key.as_ref(), &[asset.access_mint_bump]],
        )?;
        // Its fee vault: a payment-mint token account owned by the asset PDA.
        init_token_account_pda(
            &payer,
            &a.fee_vault.to_account_info(),
            &system_program,
            &a.payment_mint.to_account_info(),
            &a.asset.to_account_info(),
            &a.payment_token_program.to_account_info(),
            &[FEE_VAULT_SEED, asset_key.as_ref(), &[asset.fee_vault_bump]],
        )?;

        if let Some(prev) = ctx.accounts.previous_version.as_mut() {
            prev.successor = Some(asset_key);
        }

        // The asset PDA signs as the split's subject.
        tessera_royalties::cpi::create_split(
            CpiContext::new_with_signer(
                ctx.accounts.royalties_program.key(),
                CreateSplit {
                    payer: ctx.accounts.publisher.to_account_info(),
                    subject: ctx.accounts.asset.to_account_info(),
                    split: ctx.accounts.split.to_account_info(),
                    mint: ctx.accounts.payment_mint.to_account_info(),
                    vault: ctx.accounts.split_vault.to_account_info(),
                    token_program: ctx.accounts.payment_token_program.to_account_info(),
                    system_program: ctx.accounts.system_program.to_account_info(),
                    event_authority: ctx.accounts.royalties_event_authority.to_account_info(),
                    program: ctx.accounts.royalties_program.to_account_info(),
                },
                &[&seeds],
            ),
            CreateSplitArgs {
                authority: ctx.accounts.publisher.key(),
                recipients: args.recipients,
            },
        )?;

        emit_cpi!(AssetPublished {
            asset: asset_key,
            publisher: asset.publisher,
            kind: asset.kind,
            content_hash: asset.content_hash,
            uri: asset.uri,
            license: asset.license,
            access_mint: asset.access_mint,
            payment_mint: asset.payment_mint,
            split: asset.split,
            price: asset.price,
            max_supply: asset.max_supply,
            access_duration: asset.access_duration,
            inference_royalty_bps: asset.inference_royalty_bps,
            inference_gated: asset.inference_gated,
            parents: asset.parents,
            previous_version: asset.previous_version,
        });
        Ok(())
    }
}
