// The three Tessera programs, from the committed IDLs (../idl), bound to a connection. Only the
// coders and instruction builders are used: transactions are signed by the wallet adapter.

import { Program, type Provider } from "@anchor-lang/core";
import type { Connection } from "@solana/web3.js";

import registryIdlJson from "../../../idl/tessera_registry.json";
import royaltiesIdlJson from "../../../idl/tessera_royalties.json";
import escrowIdlJson from "../../../idl/tessera_escrow.json";
import type { TesseraRegistry } from "../../../idl/tessera_registry";
import type { TesseraRoyalties } from "../../../idl/tessera_royalties";
import type { TesseraEscrow } from "../../../idl/tessera_escrow";

export const registryIdl = registryIdlJson as unknown as TesseraRegistry;
export const royaltiesIdl = royaltiesIdlJson as unknown as TesseraRoyalties;
export const escrowIdl = escrowIdlJson as unknown as TesseraEscrow;

export type Registry = Program<TesseraRegistry>;
export type Royalties = Program<TesseraRoyalties>;
export type Escrow = Program<TesseraEscrow>;

export interface Programs {
  registry: Registry;
  royalties: Royalties;
  escrow: Escrow;
}

/** Programs for reading accounts and building instructions (no wallet needed). */
export function programsFor(connection: Connection): Programs {
  const provider: Provider = { connection } as Provider;
  return {
    registry: new Program<TesseraRegistry>(registryIdl, provider),
    royalties: new Program<TesseraRoyalties>(royaltiesIdl, provider),
    escrow: new Program<TesseraEscrow>(escrowIdl, provider),
  };
}
