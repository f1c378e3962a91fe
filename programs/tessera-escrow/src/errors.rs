use anchor_lang::prelude::*;

#[error_code]
#[derive(num_enum::TryFromPrimitive, PartialEq, Eq)]
pub enum EscrowError {
    #[msg("Only the program's upgrade authority may initialise the config")]
    NotUpgradeAuthority,
    #[msg("Only the config admin may do this")]
    NotAdmin,
    #[msg("The protocol fee cannot exceed 1,000 bps (10%)")]
    FeeAboveCap,
    #[msg("A bps value cannot exceed 10,000")]
    BpsAboveMax,
    #[msg("The unbonding delay cannot exceed 90 days")]
    UnbondingDelayTooLong,
    #[msg("The endpoint URI is empty or longer than 200 bytes")]
    InvalidEndpoint,
    #[msg("A provider serves at most 16 models")]
    TooManyModels,
    #[msg("The same model is listed twice")]
    DuplicateModel,
    #[msg("The amount must be above zero")]
    ZeroAmount,
    #[msg("The bond is in another mint than the provider's")]
    MintMismatch,
    #[msg("Only the provider's authority may do this")]
    NotProviderAuthority,
    #[msg("The unbond amount exceeds the bond")]
    UnbondAboveBond,
    #[msg("No unbonding was requested")]
    NoUnbondRequested,
    #[msg("The unbonding delay has not elapsed")]
    UnbondingDelayNotElapsed,
    #[msg("The provider has open jobs; its bond cannot be withdrawn")]
    ProviderHasOpenJobs,
    #[msg("The asset is not a model")]
    NotAModel,
    #[msg("The model is not listed")]
    ModelNotListed,
    #[msg("Windows must be between 1 second and 30 days")]
    InvalidWindow,
    #[msg("The input commitment is all zeros")]
    ZeroInputCommitment,
    #[msg("This model is access-gated: pass the consumer's access pass and access-token account")]
    AccessProofMissing,
    #[msg("The access pass is not the consumer's pass for this model")]
    PassMismatch,
    #[msg("The job is not in a state that allows this")]
    InvalidJobState,
    #[msg("The accept window has closed")]
    AcceptWindowClosed,
    #[msg("The accept window is still open")]
    AcceptWindowOpen,
    #[msg("The provider is not registered for this model")]
    ProviderDoesNotServeModel,
    #[msg("The job was opened for another provider")]
    NotRequestedProvider,
    #[msg("The provider's bond is below the minimum")]
    BondBelowMinimum,
    #[msg("Only the provider that accepted the job may do this")]
    NotJobProvider,
    #[msg("The delivery deadline has passed")]
    DeliveryDeadlinePassed,
    #[msg("The delivery deadline has not passed")]
    DeliveryDeadlineNotPassed,
    #[msg("The result commitment is all zeros")]
    ZeroResultCommitment,
    #[msg("Only the job's consumer may do this")]
    NotConsumer,
    #[msg("The challenge window has closed")]
    ChallengeWindowClosed,
    #[msg("The challenge window is still open")]
    ChallengeWindowOpen,
    #[msg("Only the arbiter fixed on the job at acceptance may resolve its dispute")]
    NotArbiter,
    #[msg("The token account is not owned by the expected party")]
    WrongTokenAccountOwner,
    #[msg("The treasury token account is not owned by the config's treasury")]
    TreasuryMismatch,
    #[msg("The split is not the one the job was opened with, or not the parent's")]
    SplitMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("The bond vault is not the provider's")]
    BondVaultMismatch,
    #[msg("The slash share cannot exceed 5,000 bps (50%)")]
    SlashAboveCap,
    #[msg("A minimum window cannot exceed 30 days")]
    InvalidMinWindow,
    #[msg("The dispute window must be between 1 second and 30 days")]
    InvalidDisputeWindow,
    #[msg("The config sets a minimum bond for at most 8 mints")]
    TooManyBondMints,
    #[msg("The same mint has two minimum bonds")]
    DuplicateBondMint,
    #[msg("The config sets no minimum bond for this mint: its providers cannot accept jobs")]
    MintNotBondable,
    #[msg("A window is shorter than the config's minimum")]
    WindowBelowMinimum,
    #[msg("The job (its input, funding time, fee or windows) differs from the one the provider accepted")]
    JobTermsChanged,
    #[msg("The slash at stake on this job exceeds the provider's limit")]
    SlashAboveLimit,
    #[msg("The arbiter's dispute window is still open")]
    DisputeWindowOpen,
    #[msg("The dispute window has closed: the dispute settles by the default rule")]
    DisputeWindowClosed,
    #[msg("No admin transfer was proposed")]
    NoPendingAdmin,
    #[msg("Only the proposed admin may accept the transfer")]
    NotPendingAdmin,
    #[msg("Only the model's publisher may do this")]
    NotPublisher,
    #[msg("An allow-list holds at most 16 providers")]
    TooManyProviders,
    #[msg("The same provider is listed twice")]
    DuplicateProvider,
    #[msg("The model's publisher does not allow this provider")]
    ProviderNotAllowed,
    #[msg("The job vault holds withheld transfer fees: pass the mint writable so that they are harvested before the vault closes")]
    MintNotWritable,
    #[msg("The model account is not the job's model")]
    ModelMismatch,
    #[msg("Pass each parent's split and vault, in the model's order, as remaining accounts")]
    ParentAccountsMismatch,
}
