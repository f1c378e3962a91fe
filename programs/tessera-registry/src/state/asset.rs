use anchor_lang::prelude::*;
use anchor_spl::{
    token::Token,
    token_interface::{self, Mint, MintTo, TokenAccount},
};

use crate::{
    constants::{ASSET_SEED, MAX_PARENTS, MAX_URI_LEN},
    errors::RegistryError,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum AssetKind {
    Dataset,
    Model,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum AssetState {
    /// On sale.
    Listed,
    /// Temporarily off sale; can be relisted.
    Delisted,
    /// Permanently off sale.
    Retired,
}

/// License terms: flag bits (`LICENSE_*` constants) and the SHA-256 of the license text or URI.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct License {
    pub flags: u8,
    pub terms_hash: [u8; 32],
}

/// A parent (an asset a model was trained on) and its share of each sale of the model.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct ParentLink {
    pub asset: Pubkey,
    /// The parent's split, copied at publication: sales pay it directly.
    pub split: Pubkey,
    /// Share of each sale (after the protocol fee), in bps.
    pub bps: u16,
}

/// A dataset or model listed for sale, at `[ASSET_SEED, publisher, content_hash]`.
/// Fixed-size fields come first so that clients can filter on them with `memcmp`
/// (publisher at offset 8, kind at 40, state at 41, content hash at 42, payment mint at 106).
#[account]
#[derive(InitSpace, Debug)]
pub struct Asset {
    pub publisher: Pubkey,
    pub kind: AssetKind,
    pub state: AssetState,
    /// SHA-256 of the artifact; never changes (a new version is a new asset).
    pub content_hash: [u8; 32],
    /// The access-token mint (decimals 0, mint authority: this asset).
    pub access_mint: Pubkey,
    pub payment_mint: Pubkey,
    /// The royalties split paid by every sale.
    pub split: Pubkey,
    /// Unit price in base units of `payment_mint`.
    pub price: u64,
    /// Most access tokens that may ever be sold; 0 = unlimited.
    pub max_supply: u64,
    /// Access tokens sold so far.
    pub sold: u64,
    /// Number of sales so far (the last sale's sequence number).
    pub sales: u64,
    /// Seconds of access per token; 0 = perpetual.
    pub access_duration: u64,
    pub license: License,
    /// Share of each paid inference of this model (escrow program) that goes to its split, in bps.
    pub inference_royalty_bps: u16,
    /// Opening an inference job for this model requires a valid pass (checked with
    /// `verify_access` by the escrow program).
    pub inference_gated: bool,
    pub published_at: i64,
    pub bump: u8,
    pub access_mint_bump: u8,
    /// Bump of the fee vault (`[FEE_VAULT_SEED, asset]`): a `payment_mint` token account owned
    /// by this asset, where the protocol fee of each sale accrues (swept to the treasury by
    /// `sweep_fees`), so that sales of different assets share no writable account.
    pub fee_vault_bump: u8,
    /// The asset this one supersedes.
    pub previous_version: Option<Pubkey>,
    /// The asset that supersedes this one.
    pub successor: Option<Pubkey>,
    #[max_len(MAX_PARENTS)]
    pub parents: Vec<ParentLink>,
    #[max_len(MAX_URI_LEN)]
    pub uri: String,
}

impl Asset {
    /// Byte offsets (discriminator included) for `getProgramAccounts` memcmp filters.
    pub const PUBLISHER_OFFSET: usize = 8;
    pub const KIND_OFFSET: usize = 40;
    pub const STATE_OFFSET: usize = 41;
    pub const PAYMENT_MINT_OFFSET: usize = 106;

    /// Account size with room for `parents` parents (the parent list never changes) and a URI
    /// of the maximum length (the URI may be updated).
    pub fn space(parents: usize) -> usize {
        8 + Self::INIT_SPACE - (MAX_PARENTS - parents.min(MAX_PARENTS)) * ParentLink::INIT_SPACE
    }

    /// Counts a sale of `quantity` access tokens: `sold` and `sales` (the sale's sequence number).
    pub fn record_sale(&mut self, quantity: u64) -> Result<()> {
        self.sold = self
            .sold
            .checked_add(quantity)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        self.sales = self
            .sales
            .checked_add(1)
            .ok_or_else(|| error!(RegistryError::MathOverflow))?;
        Ok(())
    }

    pub fn is_listed(&self) -> bool {
        self.state == AssetState::Listed
    }

    /// Units still for sale (`u64::MAX` when unlimited).
    pub fn remaining_supply(&self) -> u64 {
        if self.max_supply == 0 {
            u64::MAX
        } else {
            self.max_supply.saturating_sub(self.sold)
        }
    }

    pub fn parent_bps(&self) -> Vec<u16> {
        self.parents.iter().map(|p| p.bps).collect()
    }

    pub fn signer_seeds(&self) -> [&[u8]; 4] {
        [
            ASSET_SEED,
            self.publisher.as_ref(),
            self.content_hash.as_ref(),
            std::slice::from_ref(&self.bump),
        ]
    }

    /// Mints `amount` of `asset`'s access tokens to `to`, signed by the asset PDA (the mint
    /// authority).
    pub fn mint_access<'info>(
        asset: &Account<'info, Asset>,
        token_program: &Program<'info, Token>,
        mint: &InterfaceAccount<'info, Mint>,
        to: &InterfaceAccount<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let seeds = asset.signer_seeds();
        token_interface::mint_to(
            CpiContext::new_with_signer(
                token_program.key(),
                MintTo {
                    mint: mint.to_account_info(),
                    to: to.to_account_info(),
                    authority: asset.to_account_info(),
                },
                &[&seeds],
            ),
            amount,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_offsets_match_the_layout() {
        let asset = Asset {
            publisher: Pubkey::new_from_array([1; 32]),
            kind: AssetKind::Model,
            state: AssetState::Delisted,
            content_hash: [9; 32],
            access_mint: Pubkey::default(),
            payment_mint: Pubkey::new_from_array([2; 32]),
            split: Pubkey::default(),
            price: 0,
            max_supply: 0,
            sold: 0,
            sales: 0,
            access_duration: 0,
            license: License {
                flags: 0,
                terms_hash: [0; 32],
            },
            inference_royalty_bps: 0,
            inference_gated: false,
            published_at: 0,
            bump: 0,
            access_mint_bump: 0,
            fee_vault_bump: 253,
            previous_version: None,
            successor: None,
            parents: vec![],
            uri: String::new(),
        };
        let mut data = Vec::new();
        asset.try_serialize(&mut data).unwrap();
        assert_eq!(data[Asset::PUBLISHER_OFFSET..][..32], [1; 32]);
        assert_eq!(data[Asset::KIND_OFFSET], AssetKind::Model as u8);
        assert_eq!(data[Asset::STATE_OFFSET], AssetState::Delisted as u8);
        assert_eq!(data[Asset::PAYMENT_MINT_OFFSET..][..32], [2; 32]);
    }
}
