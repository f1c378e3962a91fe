// The three Tessera programs, from the committed IDLs (the SDK's), bound to a connection, for
// reading and decoding accounts (instructions come from the SDK's flows; the wallet signs).

import { Program, type Provider } from "@anchor-lang/core";
import type { Connection } from "@solana/web3.js";

import {
  type TesseraEscrow,
  type TesseraRegistry,
  type TesseraRoyalties,
  escrowIdl,
  registryIdl,
  royaltiesIdl,
} from "@tessera/sdk";

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
