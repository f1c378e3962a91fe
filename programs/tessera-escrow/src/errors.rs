use anchor_lang::prelude::*;

#[error_code]
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
    #[msg("Only the config's arbiter may resolve disputes")]
    NotArbiter,
    #[msg("The token account is not owned by the expected party")]
    WrongTokenAccountOwner,
    #[msg("The treasury token account is not owned by the config's treasury")]
    TreasuryMismatch,
    #[msg("The split is not the one the job was opened with")]
    SplitMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("The bond vault is not the provider's")]
    BondVaultMismatch,
}
