// Account defaults, declared once: the accounts an instruction takes that follow from another one
// (an asset's split and vault, a job's vault, a provider's bond vault, an owner's associated token
// account under the mint's own token program).

import { type Connection, PublicKey, TransactionInstruction } from "@solana/web3.js";

import {
  accessMintAddress,
  ataAddress,
  bondVaultAddress,
  channelAddress,
  channelVaultAddress,
  eventAuthorityAddress,
  jobAddress,
  jobVaultAddress,
  providerAddress,
  splitAddress,
  vaultAddress,
} from "./pda";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  ROYALTIES_PROGRAM_ID,
  SYSTEM_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from "./programs";

/** The royalties accounts of a subject (an asset): its split and the split's vault. */
export function splitAccounts(subject: PublicKey): { split: PublicKey; splitVault: PublicKey } {
  const split = splitAddress(subject);
  return { split, splitVault: vaultAddress(split) };
}

/** The accounts that follow from an asset's address: its access mint, split and split vault. */
export function assetAccounts(asset: PublicKey): { accessMint: PublicKey; split: PublicKey; splitVault: PublicKey } {
  return { accessMint: accessMintAddress(asset), ...splitAccounts(asset) };
}

/** What the registry passes to the royalties program: the program and its event authority. */
export function royaltiesCpiAccounts(): { royaltiesProgram: PublicKey; royaltiesEventAuthority: PublicKey } {
  return { royaltiesProgram: ROYALTIES_PROGRAM_ID, royaltiesEventAuthority: eventAuthorityAddress(ROYALTIES_PROGRAM_ID) };
}

/** A provider's accounts: the provider PDA of an authority and its bond vault. */
export function providerAccounts(authority: PublicKey): { provider: PublicKey; bondVault: PublicKey } {
  const provider = providerAddress(authority);
  return { provider, bondVault: bondVaultAddress(provider) };
}

/** A job's accounts: the job PDA of a consumer's job id and its escrow vault. */
export function jobAccounts(
  consumer: PublicKey,
  jobId: number | bigint | { toString(): string },
): { job: PublicKey; jobVault: PublicKey } {
  const job = jobAddress(consumer, jobId);
  return { job, jobVault: jobVaultAddress(job) };
}

/** A channel's accounts: the channel PDA of a payer's channel id and its vault. */
export function channelAccounts(
  payer: PublicKey,
  channelId: number | bigint | { toString(): string },
): { channel: PublicKey; vault: PublicKey } {
  const channel = channelAddress(payer, channelId);
  return { channel, vault: channelVaultAddress(channel) };
}

/**
 * A payer's channel counter (`PayerChannels`, programs/tessera-channels/src/state/payer_channels.rs),
 * which the IDL does not carry (open_channel reads it as an unchecked account): Anchor's
 * discriminator `sha256("account:PayerChannels")[..8]`, then `payer` (32 bytes), `last_channel_id`
 * (u64 LE, at byte 40) and `bump` (at byte 48).
 */
export const PAYER_CHANNELS_DISCRIMINATOR: readonly number[] = [254, 158, 148, 191, 123, 164, 123, 182];
/** The size of a `PayerChannels` account: 8 + 32 + 8 + 1. */
export const PAYER_CHANNELS_SIZE = 49;

/** A decoded `PayerChannels`. */
export interface PayerChannels {
  payer: PublicKey;
  /** The id of the payer's latest channel (0: none yet); its next channel must be this + 1. */
  lastChannelId: bigint;
  bump: number;
}

/** Decodes a `PayerChannels` account's data; refuses another discriminator or a short account. */
export function decodePayerChannels(data: Uint8Array): PayerChannels {
  if (data.length < PAYER_CHANNELS_SIZE) throw new Error(`a PayerChannels account has ${PAYER_CHANNELS_SIZE} bytes, not ${data.length}`);
  if (!PAYER_CHANNELS_DISCRIMINATOR.every((b, i) => data[i] === b)) throw new Error("not a PayerChannels account (discriminator)");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    payer: new PublicKey(data.subarray(8, 40)),
    lastChannelId: view.getBigUint64(40, true),
    bump: data[48],
  };
}

/** The token program that owns `mint` (SPL Token or Token-2022), read from the chain. */
export async function tokenProgramOf(connection: Connection, mint: PublicKey): Promise<PublicKey> {
  const info = await connection.getAccountInfo(mint);
  if (!info) throw new Error(`mint ${mint.toBase58()} not found`);
  if (info.owner.equals(TOKEN_PROGRAM_ID) || info.owner.equals(TOKEN_2022_PROGRAM_ID)) return info.owner;
  throw new Error(`${mint.toBase58()} is not a token mint (owner ${info.owner.toBase58()})`);
}

/** The owner's associated token account of `mint`, under the token program that owns the mint. */
export async function ataOf(connection: Connection, mint: PublicKey, owner: PublicKey): Promise<PublicKey> {
  return ataAddress(mint, owner, await tokenProgramOf(connection, mint));
}

/**
 * The associated token program's `CreateIdempotent` (instruction 1): creates `owner`'s associated
 * token account of `mint` under `tokenProgram` unless it exists (payer: `payer`).
 */
export function createAtaIdempotentInstruction(
  payer: PublicKey,
  owner: PublicKey,
  mint: PublicKey,
  tokenProgram: PublicKey = TOKEN_PROGRAM_ID,
): TransactionInstruction {
  return new TransactionInstruction({
    programId: ASSOCIATED_TOKEN_PROGRAM_ID,
    keys: [
      { pubkey: payer, isSigner: true, isWritable: true },
      { pubkey: ataAddress(mint, owner, tokenProgram), isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: false, isWritable: false },
      { pubkey: mint, isSigner: false, isWritable: false },
      { pubkey: SYSTEM_PROGRAM_ID, isSigner: false, isWritable: false },
      { pubkey: tokenProgram, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([1]),
  });
}
