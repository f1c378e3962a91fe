// Events, read from inner instructions. The programs emit with `emit_cpi!`: a self-CPI to the
// program (through its event authority) whose data is Anchor's EVENT_IX_TAG (little-endian), the
// event's discriminator, then the event in borsh. Logs are not used (they can be truncated, and
// on a host-compiled validator they are absent).

import { BorshEventCoder, type Idl, utils } from "@anchor-lang/core";
import type { PublicKey, VersionedTransactionResponse, TransactionResponse } from "@solana/web3.js";

import { PROGRAM_IDS, type TesseraProgram, channelsIdl, escrowIdl, registryIdl, royaltiesIdl } from "./programs";

/** Anchor's EVENT_IX_TAG, 0x1d9acb512ea545e4, as it leads the instruction data (little-endian). */
export const EVENT_IX_TAG = Uint8Array.from([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

/** A decoded event: its IDL name and its fields as Anchor's coder decodes them (BN, PublicKey). */
export interface DecodedEvent {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/** Something that decodes an event from base64 (discriminator + borsh), e.g. `program.coder.events`. */
export interface EventDecoder {
  decode(base64: string): DecodedEvent | null;
}

const IDLS: Record<TesseraProgram, Idl> = {
  registry: registryIdl as unknown as Idl,
  royalties: royaltiesIdl as unknown as Idl,
  escrow: escrowIdl as unknown as Idl,
  channels: channelsIdl as unknown as Idl,
};
const coders = new Map<TesseraProgram, EventDecoder>();

/** The event decoder of a Tessera program (Anchor's borsh coder over the committed IDL). */
export function eventCoder(program: TesseraProgram): EventDecoder {
  let coder = coders.get(program);
  if (!coder) {
    coder = new BorshEventCoder(IDLS[program]) as unknown as EventDecoder;
    coders.set(program, coder);
  }
  return coder;
}

const startsWith = (data: Uint8Array, prefix: Uint8Array) =>
  data.length >= prefix.length && prefix.every((b, i) => data[i] === b);

/** A confirmed transaction as `getTransaction` returns it (legacy or versioned). */
export type ConfirmedTransaction = TransactionResponse | VersionedTransactionResponse;

/** The raw event payloads (discriminator + borsh) that `programId` emitted in `tx`, in order. */
export function eventPayloads(tx: ConfirmedTransaction, programId: PublicKey): Uint8Array[] {
  const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: tx.meta?.loadedAddresses });
  const out: Uint8Array[] = [];
  for (const inner of tx.meta?.innerInstructions ?? []) {
    for (const ix of inner.instructions) {
      if (!keys.get(ix.programIdIndex)?.equals(programId)) continue;
      const data = Uint8Array.from(utils.bytes.bs58.decode(ix.data));
      if (data.length < 16 || !startsWith(data, EVENT_IX_TAG)) continue;
      out.push(data.subarray(8));
    }
  }
  return out;
}

/**
 * The events a program emitted in a confirmed transaction, in order. `program` is a Tessera
 * program's name, or any program id with its decoder (e.g. an Anchor `Program`'s `coder.events`).
 */
export function eventsOf(
  tx: ConfirmedTransaction,
  program: TesseraProgram | { programId: PublicKey; decoder: EventDecoder },
): DecodedEvent[] {
  const { programId, decoder } =
    typeof program === "string" ? { programId: PROGRAM_IDS[program], decoder: eventCoder(program) } : program;
  const events: DecodedEvent[] = [];
  for (const payload of eventPayloads(tx, programId)) {
    const event = decoder.decode(base64(payload));
    if (event) events.push(event);
  }
  return events;
}

function base64(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s);
}
