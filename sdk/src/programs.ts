// The programs: their ids (from the generated core, i.e. from the IDLs' `address`), their Anchor
// IDLs typed for `new Program<...>(idl, provider)`, and the well-known programs they call.

import { PublicKey } from "@solana/web3.js";

import registryIdlJson from "../../idl/tessera_registry.json";
import royaltiesIdlJson from "../../idl/tessera_royalties.json";
import escrowIdlJson from "../../idl/tessera_escrow.json";
import channelsIdlJson from "../../idl/tessera_channels.json";
import type { TesseraRegistry } from "../../idl/tessera_registry";
import type { TesseraRoyalties } from "../../idl/tessera_royalties";
import type { TesseraEscrow } from "../../idl/tessera_escrow";
import type { TesseraChannels } from "../../idl/tessera_channels";
import { TESSERA_REGISTRY_PROGRAM_ADDRESS } from "./generated/registry/programs";
import { TESSERA_ROYALTIES_PROGRAM_ADDRESS } from "./generated/royalties/programs";
import { TESSERA_ESCROW_PROGRAM_ADDRESS } from "./generated/escrow/programs";
import { TESSERA_CHANNELS_PROGRAM_ADDRESS } from "./generated/channels/programs";

export type { TesseraRegistry, TesseraRoyalties, TesseraEscrow, TesseraChannels };

/** The committed IDLs (idl/*.json), typed with the committed idl/*.ts types. */
export const registryIdl = registryIdlJson as unknown as TesseraRegistry;
export const royaltiesIdl = royaltiesIdlJson as unknown as TesseraRoyalties;
export const escrowIdl = escrowIdlJson as unknown as TesseraEscrow;
export const channelsIdl = channelsIdlJson as unknown as TesseraChannels;

export const REGISTRY_PROGRAM_ID = new PublicKey(TESSERA_REGISTRY_PROGRAM_ADDRESS);
export const ROYALTIES_PROGRAM_ID = new PublicKey(TESSERA_ROYALTIES_PROGRAM_ADDRESS);
export const ESCROW_PROGRAM_ID = new PublicKey(TESSERA_ESCROW_PROGRAM_ADDRESS);
export const CHANNELS_PROGRAM_ID = new PublicKey(TESSERA_CHANNELS_PROGRAM_ADDRESS);

/** Tessera's programs by the short name used in errors and events. */
export type TesseraProgram = "registry" | "royalties" | "escrow" | "channels";
export const PROGRAM_IDS: Record<TesseraProgram, PublicKey> = {
  registry: REGISTRY_PROGRAM_ID,
  royalties: ROYALTIES_PROGRAM_ID,
  escrow: ESCROW_PROGRAM_ID,
  channels: CHANNELS_PROGRAM_ID,
};

export const SYSTEM_PROGRAM_ID = new PublicKey("11111111111111111111111111111111");
export const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
export const TOKEN_2022_PROGRAM_ID = new PublicKey("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
export const ASSOCIATED_TOKEN_PROGRAM_ID = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
export const BPF_LOADER_UPGRADEABLE_PROGRAM_ID = new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111");

const WELL_KNOWN: Record<string, string> = {
  [SYSTEM_PROGRAM_ID.toBase58()]: "system",
  [TOKEN_PROGRAM_ID.toBase58()]: "spl-token",
  [TOKEN_2022_PROGRAM_ID.toBase58()]: "token-2022",
  [ASSOCIATED_TOKEN_PROGRAM_ID.toBase58()]: "associated-token",
};

/** Which Tessera program `programId` is, if it is one. */
export function tesseraProgramOf(programId: PublicKey | string | undefined): TesseraProgram | undefined {
  if (programId === undefined) return undefined;
  const id = typeof programId === "string" ? programId : programId.toBase58();
  return (Object.keys(PROGRAM_IDS) as TesseraProgram[]).find((p) => PROGRAM_IDS[p].toBase58() === id);
}

/** The label of a program id: one of Tessera's, a well-known one, or the address. */
export function programLabel(programId: PublicKey | string): string {
  const id = typeof programId === "string" ? programId : programId.toBase58();
  return tesseraProgramOf(id) ?? WELL_KNOWN[id] ?? id;
}
