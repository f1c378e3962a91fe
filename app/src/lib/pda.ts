// Program-derived addresses of the Tessera programs: the SDK's (@tessera/sdk, sdk/src/pda.ts),
// where every seed is written once.

import { ROYALTIES_PROGRAM_ID, eventAuthorityAddress } from "@tessera/sdk";

export {
  REGISTRY_PROGRAM_ID as REGISTRY_ID,
  ROYALTIES_PROGRAM_ID as ROYALTIES_ID,
  ESCROW_PROGRAM_ID as ESCROW_ID,
  registryConfigAddress,
  escrowConfigAddress,
  assetAddress,
  accessMintAddress,
  passAddress,
  splitAddress,
  vaultAddress,
  providerAddress,
  bondVaultAddress,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
} from "@tessera/sdk";

export const royaltiesEventAuthority = () => eventAuthorityAddress(ROYALTIES_PROGRAM_ID);
