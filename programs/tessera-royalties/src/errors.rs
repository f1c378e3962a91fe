use anchor_lang::prelude::*;

#[error_code]
#[derive(num_enum::TryFromPrimitive, PartialEq, Eq)]
pub enum RoyaltiesError {
    #[msg("Recipient shares must sum to exactly 10,000 bps")]
    SharesDoNotSumTo10000,
    #[msg("A split has at most 16 recipients")]
    TooManyRecipients,
    #[msg("Every recipient needs a share above zero")]
    ZeroShare,
    #[msg("A share cannot exceed 10,000 bps")]
    ShareAboveMax,
    #[msg("The same recipient appears twice in the split")]
    DuplicateRecipient,
    #[msg("Nothing to claim: this recipient has been paid everything it is owed")]
    NothingToClaim,
    #[msg("The signer is not a recipient of this split")]
    NotARecipient,
    #[msg("The deposit amount must be above zero")]
    ZeroDeposit,
    /// No longer raised (a deposit the transfer fee eats entirely credits 0); kept so the
    /// later codes keep their numbers.
    #[msg("The vault received nothing from this deposit")]
    NothingReceived,
    #[msg("Arithmetic overflow in royalty accounting")]
    MathOverflow,
    /// No longer raised: an update that would overflow the entries parks the removed
    /// recipients' balances in a `Parked` record instead. Kept so the later codes keep their
    /// numbers.
    #[msg("The split has no room left for removed recipients' unclaimed balances")]
    SplitFull,
    #[msg("The vault is not this split's vault")]
    VaultMismatch,
    #[msg("The mint is not this split's payment mint")]
    MintMismatch,
    #[msg("The destination token account is not owned by the recipient")]
    DestinationNotOwnedByRecipient,
    #[msg("Only the split's authority may do this")]
    NotSplitAuthority,
    #[msg("The vault holds less than what the recipient is owed")]
    VaultShortfall,
    #[msg("Only the proposed authority of this split may accept it")]
    NotPendingSplitAuthority,
    #[msg("This recipient has no balance in this parked record")]
    NotParked,
    #[msg("The rent receiver is not the payer recorded in the parked record")]
    RentReceiverMismatch,
}
