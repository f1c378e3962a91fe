// Program-derived addresses of the Tessera programs (seeds as in programs/*/src/constants.rs).

import { BN } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";

import { escrowIdl, registryIdl, royaltiesIdl } from "./programs";

export const REGISTRY_ID = new PublicKey(registryIdl.address);
export const ROYALTIES_ID = new PublicKey(royaltiesIdl.address);
export const ESCROW_ID = new PublicKey(escrowIdl.address);

const enc = (s: string) => new TextEncoder().encode(s);
const pda = (seeds: Uint8Array[], programId: PublicKey) => PublicKey.findProgramAddressSync(seeds, programId)[0];

export const registryConfigAddress = () => pda([enc("config")], REGISTRY_ID);
export const escrowConfigAddress = () => pda([enc("config")], ESCROW_ID);
export const royaltiesEventAuthority = () => pda([enc("__event_authority")], ROYALTIES_ID);

export const assetAddress = (publisher: PublicKey, contentHash: Uint8Array) =>
  pda([enc("asset"), publisher.toBytes(), contentHash], REGISTRY_ID);
export const accessMintAddress = (asset: PublicKey) => pda([enc("access_mint"), asset.toBytes()], REGISTRY_ID);
export const passAddress = (asset: PublicKey, holder: PublicKey) =>
  pda([enc("pass"), asset.toBytes(), holder.toBytes()], REGISTRY_ID);

export const splitAddress = (subject: PublicKey) => pda([enc("split"), subject.toBytes()], ROYALTIES_ID);
export const vaultAddress = (split: PublicKey) => pda([enc("vault"), split.toBytes()], ROYALTIES_ID);

export const providerAddress = (authority: PublicKey) => pda([enc("provider"), authority.toBytes()], ESCROW_ID);
export const bondVaultAddress = (provider: PublicKey) => pda([enc("bond"), provider.toBytes()], ESCROW_ID);
export const jobAddress = (consumer: PublicKey, jobId: BN) =>
  pda([enc("job"), consumer.toBytes(), Uint8Array.from(jobId.toArray("le", 8))], ESCROW_ID);
export const jobVaultAddress = (job: PublicKey) => pda([enc("job_vault"), job.toBytes()], ESCROW_ID);
/** A model's provider allow-list (set by its publisher; absent: any provider serving it). */
export const modelProvidersAddress = (model: PublicKey) => pda([enc("model_providers"), model.toBytes()], ESCROW_ID);
