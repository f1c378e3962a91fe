//! The publisher's three asset-state transitions, sharing one accounts struct
//! ([`SetAssetState`]) and one validation (the pattern of Squads v4's `proposal_vote.rs`):
//!
//! - `delist_asset`: Listed → Delisted (takes the asset off sale; existing passes stay valid);
//! - `relist_asset`: Delisted → Listed (puts a delisted asset back on sale);
//! - `retire_asset`: Listed or Delisted → Retired (ends sales for good; existing passes stay
//!   valid until they expire).
//!
//! Any other transition is refused with `InvalidStateTransition`; each emits `AssetStateChanged`.

use anchor_lang::prelude::*;

use crate::{
    constants::*,
    errors::RegistryError,
    events::AssetStateChanged,
    state::{Asset, AssetState},
};

/// Which of the three transitions an instruction performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetTransition {
    Delist,
    Relist,
    Retire,
}

impl AssetTransition {
    /// The state the asset ends in.
    pub fn target(self) -> AssetState {
        match self {
            AssetTransition::Delist => AssetState::Delisted,
            AssetTransition::Relist => AssetState::Listed,
            AssetTransition::Retire => AssetState::Retired,
        }
    }

    /// Whether the transition may start from `from`.
    pub fn allowed_from(self, from: AssetState) -> bool {
        match self {
            AssetTransition::Delist => from == AssetState::Listed,
            AssetTransition::Relist => from == AssetState::Delisted,
            AssetTransition::Retire => from != AssetState::Retired,
        }
    }
}

/// Accounts of `delist_asset`, `relist_asset` and `retire_asset`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetAssetState<'info> {
    /// The asset's publisher.
    pub publisher: Signer<'info>,
    /// The asset (PDA with stored bump); `has_one = publisher`.
    #[account(
        mut,
        seeds = [ASSET_SEED, asset.publisher.as_ref(), asset.content_hash.as_ref()],
        bump = asset.bump,
        has_one = publisher @ RegistryError::NotPublisher,
    )]
    pub asset: Box<Account<'info, Asset>>,
}

impl SetAssetState<'_> {
    fn validate(&self, transition: AssetTransition) -> Result<()> {
        // publisher: signer + has_one. asset: PDA with stored bump.
        require!(
            transition.allowed_from(self.asset.state),
            RegistryError::InvalidStateTransition
        );
        Ok(())
    }

    /// Takes a listed asset off sale (existing passes stay valid).
    #[access_control(ctx.accounts.validate(AssetTransition::Delist))]
    pub fn delist_asset(ctx: Context<Self>) -> Result<()> {
        Self::apply(ctx, AssetTransition::Delist)
    }

    /// Puts a delisted asset back on sale.
    #[access_control(ctx.accounts.validate(AssetTransition::Relist))]
    pub fn relist_asset(ctx: Context<Self>) -> Result<()> {
        Self::apply(ctx, AssetTransition::Relist)
    }

    /// Ends an asset's sales for good (existing passes stay valid until they expire).
    #[access_control(ctx.accounts.validate(AssetTransition::Retire))]
    pub fn retire_asset(ctx: Context<Self>) -> Result<()> {
        Self::apply(ctx, AssetTransition::Retire)
    }

    fn apply(ctx: Context<Self>, transition: AssetTransition) -> Result<()> {
        let asset = &mut ctx.accounts.asset;
        let from = asset.state;
        asset.state = transition.target();
        emit_cpi!(AssetStateChanged {
            asset: asset.key(),
            from,
            to: asset.state,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_state_machine() {
        use AssetState::*;
        use AssetTransition::*;
        for (t, from, ok) in [
            (Delist, Listed, true),
            (Delist, Delisted, false),
            (Delist, Retired, false),
            (Relist, Listed, false),
            (Relist, Delisted, true),
            (Relist, Retired, false),
            (Retire, Listed, true),
            (Retire, Delisted, true),
            (Retire, Retired, false),
        ] {
            assert_eq!(t.allowed_from(from), ok, "{t:?} from {from:?}");
        }
    }
}
