use anchor_lang::prelude::*;

#[error_code]
#[derive(num_enum::TryFromPrimitive, PartialEq, Eq)]
pub enum RegistryError {
    #[msg("The protocol fee cannot exceed 1,000 bps (10%)")]
    FeeAboveCap,
    #[msg("The payment-mint allow-list holds at most 8 mints")]
    TooManyPaymentMints,
    #[msg("The payment-mint allow-list names the same mint twice")]
    DuplicatePaymentMint,
    #[msg("Only the program's upgrade authority may initialise the config")]
    NotUpgradeAuthority,
    #[msg("Only the config admin may do this")]
    NotAdmin,
    #[msg("The registry is paused: no publication or sale until the admin unpauses it")]
    RegistryPaused,
    #[msg("This payment mint is not on the registry's allow-list")]
    PaymentMintNotAllowed,
    #[msg("The metadata URI is longer than 200 bytes")]
    UriTooLong,
    #[msg("The metadata URI is empty")]
    UriEmpty,
    #[msg("The content hash is all zeros")]
    ZeroContentHash,
    #[msg("Unknown license flag bits are set")]
    InvalidLicenseFlags,
    #[msg("This asset is free: claim its pass with claim_free_pass")]
    AssetIsFree,
    #[msg("A dataset cannot declare parent assets; only models can")]
    DatasetCannotHaveParents,
    #[msg("A model declares at most 8 parents")]
    TooManyParents,
    #[msg("The parents' shares sum to more than 5,000 bps")]
    ParentSharesAboveCap,
    #[msg("A parent's share must be above zero")]
    ZeroParentShare,
    #[msg("An asset cannot be its own parent")]
    SelfParent,
    #[msg("The same parent is declared twice")]
    DuplicateParent,
    #[msg("The parent accounts passed do not match the declared parents")]
    ParentAccountsMismatch,
    #[msg("A parent must be paid in the same mint as the model")]
    ParentMintMismatch,
    #[msg("A retired asset cannot be a parent")]
    ParentRetired,
    #[msg("Only the asset's publisher may do this")]
    NotPublisher,
    #[msg("The asset is not listed for sale")]
    AssetNotListed,
    #[msg("The asset is retired")]
    AssetRetired,
    #[msg("The asset is already in that state")]
    InvalidStateTransition,
    #[msg("The max supply cannot be set below what was already sold")]
    MaxSupplyBelowSold,
    #[msg("The previous version must be an asset of the same publisher and kind with no successor yet")]
    InvalidPreviousVersion,
    #[msg("The quantity must be above zero")]
    ZeroQuantity,
    #[msg("The asset's price is above the buyer's max unit price")]
    PriceAboveLimit,
    #[msg("price × quantity overflows")]
    PriceOverflow,
    #[msg("This purchase would exceed the asset's max supply")]
    SupplyExhausted,
    #[msg("The buyer's token account holds less than the total price")]
    InsufficientFunds,
    #[msg("The treasury token account is not owned by the config's treasury")]
    TreasuryMismatch,
    #[msg("The split is not this asset's split")]
    SplitMismatch,
    #[msg("The access pass has expired")]
    PassExpired,
    #[msg("The access pass has been revoked")]
    PassRevoked,
    #[msg("The holder holds no access token")]
    NoAccessToken,
    #[msg("The pass is already revoked")]
    PassAlreadyRevoked,
    #[msg("The inference royalty cannot exceed 5,000 bps")]
    InferenceRoyaltyAboveCap,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("The payment mint has a Token-2022 extension the registry does not support")]
    UnsupportedMintExtension,
    #[msg("The asset's access duration is below the buyer's minimum (0 = perpetual always passes)")]
    AccessDurationBelowLimit,
    #[msg("No admin has been proposed")]
    NoPendingAdmin,
    #[msg("Only the proposed admin may accept the admin role")]
    NotPendingAdmin,
    #[msg("This asset has a price: buy its access with buy_access")]
    AssetNotFree,
    #[msg("This wallet's pass for this free asset is still valid: a free pass is one per wallet at a time")]
    FreePassAlreadyClaimed,
}
