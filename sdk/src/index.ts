// @tessera/sdk: the generated core (Codama, from idl/*.json; one namespace per program, @solana/kit
// types) and the hand-written layer for @solana/web3.js 1.x and Anchor clients.

export * from "./programs";
export * from "./pda";
export * from "./accounts";
export * from "./errors";
export * from "./events";

export * as registryClient from "./generated/registry";
export * as royaltiesClient from "./generated/royalties";
export * as escrowClient from "./generated/escrow";
