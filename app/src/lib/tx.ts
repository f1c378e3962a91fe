// Sending a transaction through the connected wallet: simulate first (so a refusal comes back
// as the program's named error before the wallet is asked to sign), send, then wait until the
// cluster confirms it.
//
// Instructions that do not fit a legacy transaction (1,232 bytes: e.g. a model with 8 parents,
// whose publication and purchases name every parent's accounts) go as a v0 transaction whose
// accounts are read from an address lookup table, as the cost report does in Rust
// (bench/src/lib.rs): the wallet's own table, created on first need and extended with the
// addresses it lacks (one or more legacy transactions the wallet signs first), then used once the
// extension is finalized: a validator resolves a transaction's lookup tables against its root
// bank and silently drops one whose table is not rooted yet (measured on tessera-localnet: a v0
// transaction using a table extended 2 slots earlier was accepted by sendTransaction, simulated
// fine, and never landed; once the extension was finalized it landed in the next slot). The
// table's address is kept in local storage per endpoint and wallet, so later transactions reuse it.

import type { WalletContextState } from "@solana/wallet-adapter-react";
import {
  AddressLookupTableProgram,
  type AddressLookupTableAccount,
  type Connection,
  PublicKey,
  type TransactionInstruction,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";

import { TxFailedError, decodeThrown, decodeTransactionError } from "./errors";

export type SendingWallet = Pick<WalletContextState, "publicKey" | "sendTransaction">;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most a transaction may weigh on the wire (an IPv6 packet's payload less headers). */
export const PACKET_DATA_SIZE = 1232;
/** Addresses per extend_lookup_table transaction (with the table's creation, it stays well below PACKET_DATA_SIZE). */
const EXTEND_CHUNK = 20;
/** A lookup table holds at most 256 addresses. */
const LOOKUP_TABLE_MAX = 256;

/** The wire size of a legacy transaction, or null when it cannot be written (too many accounts or bytes). */
export function legacySize(tx: Transaction): number | null {
  try {
    return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).length;
  } catch {
    return null;
  }
}

/**
 * Sends `instructions` in one transaction paid and signed by the wallet: legacy when it fits,
 * otherwise v0 with the wallet's address lookup table. Calls `onSent` with each signature as soon
 * as the wallet has sent it (the table's set-up first, if needed); resolves once the last is
 * confirmed. Throws a TxFailedError whose details name the program error.
 */
export async function sendInstructions(
  connection: Connection,
  wallet: SendingWallet,
  instructions: TransactionInstruction[],
  onSent?: (signature: string) => void,
): Promise<string> {
  const payer = wallet.publicKey;
  const programs = instructions.map((ix) => ix.programId);
  if (!payer) {
    throw new TxFailedError({ name: "WalletNotConnected", message: "Connect a wallet first", logs: [] });
  }
  try {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: payer, blockhash, lastValidBlockHeight }).add(...instructions);
    const size = legacySize(tx);
    if (size === null || size > PACKET_DATA_SIZE) return await sendV0(connection, wallet, payer, instructions, onSent);
    return await sendOne(connection, wallet, tx, new VersionedTransaction(tx.compileMessage()), lastValidBlockHeight, programs, onSent);
  } catch (err) {
    if (err instanceof TxFailedError) throw err;
    throw new TxFailedError(decodeThrown(err, programs));
  }
}

/** Simulates `simulated`, sends `tx` through the wallet, waits for its confirmation. */
async function sendOne(
  connection: Connection,
  wallet: SendingWallet,
  tx: Transaction | VersionedTransaction,
  simulated: VersionedTransaction,
  lastValidBlockHeight: number,
  programs: PublicKey[],
  onSent?: (signature: string) => void,
): Promise<string> {
  const simulation = await connection.simulateTransaction(simulated, { sigVerify: false, commitment: "confirmed" });
  if (simulation.value.err) {
    throw new TxFailedError(decodeTransactionError(simulation.value.err, simulation.value.logs ?? [], programs));
  }
  const signature = await wallet.sendTransaction(tx, connection, { preflightCommitment: "confirmed", maxRetries: 5 });
  onSent?.(signature);
  await confirmed(connection, signature, lastValidBlockHeight, programs);
  return signature;
}

/** Waits until `signature` is confirmed; returns the slot it landed in. */
async function confirmed(connection: Connection, signature: string, lastValidBlockHeight: number, programs: PublicKey[]): Promise<number> {
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const status = value[0];
    if (status?.err) {
      const found = await connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
      throw new TxFailedError(decodeTransactionError(status.err, found?.meta?.logMessages ?? [], programs), signature);
    }
    if (status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized") return status.slot;
    if ((await connection.getBlockHeight("confirmed")) > lastValidBlockHeight) {
      throw new TxFailedError(
        { name: "TransactionExpired", message: "The transaction was not confirmed before its blockhash expired", logs: [] },
        signature,
      );
    }
    await sleep(400);
  }
}

/** The addresses a lookup table may carry for `instructions`: every account but the signers and the programs invoked. */
export function lookupAddresses(instructions: TransactionInstruction[], payer: PublicKey): PublicKey[] {
  const excluded = new Set<string>([payer.toBase58(), ...instructions.map((ix) => ix.programId.toBase58())]);
  for (const ix of instructions) for (const k of ix.keys) if (k.isSigner) excluded.add(k.pubkey.toBase58());
  const out = new Map<string, PublicKey>();
  for (const ix of instructions) {
    for (const k of ix.keys) {
      const s = k.pubkey.toBase58();
      if (!excluded.has(s)) out.set(s, k.pubkey);
    }
  }
  return [...out.values()];
}

const tableStorageKey = (connection: Connection, payer: PublicKey) => `tessera.lookupTable.${connection.rpcEndpoint}.${payer.toBase58()}`;

/** The table as the cluster's root bank sees it (what transactions are resolved against). */
async function fetchTable(connection: Connection, key: PublicKey): Promise<AddressLookupTableAccount | null> {
  return (await connection.getAddressLookupTable(key, { commitment: "finalized" })).value;
}

/**
 * The wallet's lookup table holding every address of `wanted`: the stored one (if it is still
 * the wallet's, active and has room), else a new one; extended with what it lacks, then waited
 * for until the extension is finalized.
 */
async function lookupTableFor(
  connection: Connection,
  wallet: SendingWallet,
  payer: PublicKey,
  wanted: PublicKey[],
  onSent?: (signature: string) => void,
): Promise<AddressLookupTableAccount> {
  const storageKey = tableStorageKey(connection, payer);
  let table: AddressLookupTableAccount | null = null;
  const stored = localStorage.getItem(storageKey);
  if (stored) {
    table = await fetchTable(connection, new PublicKey(stored)).catch(() => null);
    if (table && (!table.isActive() || !table.state.authority?.equals(payer))) table = null;
  }
  const has = (t: AddressLookupTableAccount | null, k: PublicKey) => t?.state.addresses.some((a) => a.equals(k)) ?? false;
  let missing = wanted.filter((k) => !has(table, k));
  if (table && missing.length === 0) return table;
  if (table && table.state.addresses.length + missing.length > LOOKUP_TABLE_MAX) {
    table = null;
    missing = wanted;
  }
  if (missing.length > LOOKUP_TABLE_MAX) {
    throw new TxFailedError({
      name: "TransactionTooLarge",
      message: `The transaction names ${missing.length} accounts: more than one lookup table holds (${LOOKUP_TABLE_MAX})`,
      logs: [],
    });
  }

  let tableKey = table?.key ?? null;
  const setup: TransactionInstruction[] = [];
  if (!tableKey) {
    const recentSlot = await connection.getSlot("finalized");
    const [create, key] = AddressLookupTableProgram.createLookupTable({ authority: payer, payer, recentSlot });
    setup.push(create);
    tableKey = key;
  }
  const programs = [AddressLookupTableProgram.programId];
  let lastSlot = 0;
  for (let i = 0; i < missing.length; i += EXTEND_CHUNK) {
    const extend = AddressLookupTableProgram.extendLookupTable({
      payer,
      authority: payer,
      lookupTable: tableKey,
      addresses: missing.slice(i, i + EXTEND_CHUNK),
    });
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: payer, blockhash, lastValidBlockHeight }).add(...(i === 0 ? setup : []), extend);
    const signature = await sendOne(connection, wallet, tx, new VersionedTransaction(tx.compileMessage()), lastValidBlockHeight, programs, onSent);
    if (i === 0) localStorage.setItem(storageKey, tableKey.toBase58());
    const landed = (await connection.getSignatureStatuses([signature])).value[0]?.slot ?? 0;
    lastSlot = Math.max(lastSlot, landed);
  }
  // Addresses added in slot S are usable once S is rooted (finalized), from slot S + 1 on.
  for (let i = 0; ; i++) {
    if ((await connection.getSlot("finalized")) > lastSlot) {
      const found = await fetchTable(connection, tableKey);
      if (found && wanted.every((k) => has(found, k))) return found;
    }
    if (i > 600) {
      throw new TxFailedError({ name: "LookupTableNotReady", message: `The lookup table ${tableKey.toBase58()} did not become usable`, logs: [] });
    }
    await sleep(200);
  }
}

/** A v0 transaction of `instructions` whose non-signer accounts come from the wallet's lookup table. */
async function sendV0(
  connection: Connection,
  wallet: SendingWallet,
  payer: PublicKey,
  instructions: TransactionInstruction[],
  onSent?: (signature: string) => void,
): Promise<string> {
  const programs = instructions.map((ix) => ix.programId);
  const table = await lookupTableFor(connection, wallet, payer, lookupAddresses(instructions, payer), onSent);
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash, instructions }).compileToV0Message([table]);
  const tx = new VersionedTransaction(message);
  let size: number;
  try {
    size = tx.serialize().length;
  } catch {
    size = Infinity;
  }
  if (size > PACKET_DATA_SIZE) {
    throw new TxFailedError({
      name: "TransactionTooLarge",
      message: `Even with a lookup table the transaction weighs ${size} bytes, above ${PACKET_DATA_SIZE}`,
      logs: [],
    });
  }
  return sendOne(connection, wallet, tx, tx, lastValidBlockHeight, programs, onSent);
}
