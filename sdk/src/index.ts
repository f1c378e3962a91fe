// @tessera/sdk: the generated core (Codama, from idl/*.json; one namespace per program, @solana/kit
// types) and the hand-written layer for @solana/web3.js 1.x and Anchor clients.
// (Named re-exports, not `export *`: Node's ESM loader sees the names of this CommonJS-compiled
// module only when they are listed.)

export {
  type TesseraProgram,
  type TesseraRegistry,
  type TesseraRoyalties,
  type TesseraEscrow,
  registryIdl,
  royaltiesIdl,
  escrowIdl,
  REGISTRY_PROGRAM_ID,
  ROYALTIES_PROGRAM_ID,
  ESCROW_PROGRAM_ID,
  PROGRAM_IDS,
  SYSTEM_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  ASSOCIATED_TOKEN_PROGRAM_ID,
  BPF_LOADER_UPGRADEABLE_PROGRAM_ID,
  tesseraProgramOf,
  programLabel,
} from "./programs";
export {
  SEEDS,
  u64Le,
  registryConfigAddress,
  assetAddress,
  accessMintAddress,
  passAddress,
  splitAddress,
  vaultAddress,
  parkedAddress,
  escrowConfigAddress,
  providerAddress,
  bondVaultAddress,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
  configAddress,
  eventAuthorityAddress,
  programDataAddress,
  ataAddress,
} from "./pda";
export {
  splitAccounts,
  assetAccounts,
  royaltiesCpiAccounts,
  providerAccounts,
  jobAccounts,
  tokenProgramOf,
  ataOf,
} from "./accounts";
export {
  type ProgramErrorInfo,
  type CustomErrorLocation,
  PROGRAM_ERRORS,
  ANCHOR_ERRORS,
  errorCode,
  errorNamesOf,
  programError,
  failingProgramFromLogs,
  customErrorOf,
  decodeProgramError,
  errorCodeOf,
} from "./errors";
export {
  type DecodedEvent,
  type EventDecoder,
  type ConfirmedTransaction,
  EVENT_IX_TAG,
  eventCoder,
  eventPayloads,
  eventsOf,
} from "./events";

export * as registryClient from "./generated/registry";
export * as royaltiesClient from "./generated/royalties";
export * as escrowClient from "./generated/escrow";
