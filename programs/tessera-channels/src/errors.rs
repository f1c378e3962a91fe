use anchor_lang::prelude::*;

#[error_code]
#[derive(num_enum::TryFromPrimitive, PartialEq, Eq)]
pub enum ChannelsError {
    #[msg("Only the program's upgrade authority may initialise the config")]
    NotUpgradeAuthority,
    #[msg("Only the config admin may do this")]
    NotAdmin,
    #[msg("No admin transfer was proposed")]
    NoPendingAdmin,
    #[msg("Only the proposed admin may accept the transfer")]
    NotPendingAdmin,
    #[msg("The protocol fee cannot exceed 1,000 bps (10%)")]
    FeeAboveCap,
    #[msg("The close grace bounds must satisfy 0 < min <= max <= 30 days")]
    InvalidGraceBounds,
    #[msg("The channels program is paused: no channel may be opened or topped up")]
    ChannelsPaused,
    #[msg("The asset is not a model")]
    NotAModel,
    #[msg("The model is not listed")]
    ModelNotListed,
    #[msg("The provider is not registered for this model")]
    ProviderDoesNotServeModel,
    #[msg("The model's publisher does not allow this provider")]
    ProviderNotAllowed,
    #[msg("This model is access-gated: pass the payer's access pass and access-token account")]
    AccessProofMissing,
    #[msg("The access pass is not the payer's pass for this model")]
    PassMismatch,
    #[msg("The mint is not the model's payment mint")]
    MintMismatch,
    #[msg("The amount must be above zero")]
    ZeroAmount,
    #[msg("The close grace period is outside the config's bounds")]
    GraceOutOfBounds,
    #[msg("Only the channel's payer may do this")]
    NotPayer,
    #[msg("Only the channel's payee may do this")]
    NotPayee,
    #[msg("A close was requested: the channel takes no more deposits")]
    CloseRequested,
    #[msg("A close was already requested")]
    CloseAlreadyRequested,
    #[msg("No close was requested")]
    CloseNotRequested,
    #[msg("The close grace period has not ended")]
    CloseGraceNotOver,
    #[msg("The close grace period has ended: the channel can only be finalized")]
    CloseGraceOver,
    #[msg("The voucher's cumulative amount is not above what was already settled")]
    VoucherNotIncreasing,
    #[msg("The voucher's cumulative amount exceeds the channel's deposit")]
    VoucherAboveDeposit,
    #[msg("The voucher has expired")]
    VoucherExpired,
    #[msg("The instruction before this one must be the Ed25519 program's signature check of the voucher")]
    Ed25519InstructionMissing,
    #[msg("The Ed25519 instruction's data is not exactly one inline voucher signature (162 bytes)")]
    Ed25519DataLength,
    #[msg("The Ed25519 instruction must verify exactly one signature")]
    Ed25519SignatureCount,
    #[msg("The Ed25519 instruction's offsets are not the canonical ones (public key 16, signature 48, message 112, 50 bytes)")]
    Ed25519OffsetsNotCanonical,
    #[msg(
        "The Ed25519 instruction must carry its public key, signature and message inline (instruction index u16::MAX)"
    )]
    Ed25519DataNotInline,
    #[msg("The voucher is not signed by the channel's authorized signer")]
    VoucherSignerMismatch,
    #[msg("The signed message is not this channel's voucher for this amount and expiry")]
    VoucherMessageMismatch,
    #[msg("The token account is not owned by the expected party")]
    WrongTokenAccountOwner,
    #[msg("The treasury token account is not owned by the config's treasury")]
    TreasuryMismatch,
    #[msg("The split is not the model's (or its parent's) split")]
    SplitMismatch,
    #[msg("Pass each parent's split and split vault, in the model's order")]
    ParentAccountsMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("The channel vault holds withheld transfer fees: pass the mint writable so that they are harvested before the vault closes")]
    MintNotWritable,
    #[msg("The channel id must be the payer's next one, its last channel id + 1: a channel id is never used twice")]
    ChannelIdNotNext,
}
