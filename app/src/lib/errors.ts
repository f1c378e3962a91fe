// Transaction failures as the user should read them: the program's error by name and message
// (from the committed IDLs, or Anchor's own errors below 6000), else the runtime's error.

import { type PublicKey, type TransactionError } from "@solana/web3.js";
import { customErrorOf, programError, programLabel } from "@tessera/sdk";

export { programLabel };

export interface TxErrorDetails {
  /** The error's name: an IDL error (e.g. "PriceAboveLimit"), an Anchor error, or the runtime's. */
  name: string;
  message: string;
  /** Which program raised it ("registry", "royalties", "escrow", "anchor", or an address). */
  program?: string;
  code?: number;
  logs: string[];
}

/** A custom error code raised by `programId`, named by the SDK (its IDL's ≥ 6000, Anchor's < 6000). */
export function namedProgramError(programId: string | undefined, code: number): Omit<TxErrorDetails, "logs"> {
  return programError(programId, code);
}

/**
 * Decodes a transaction error as the RPC reports it (simulation or status), e.g.
 * `{ InstructionError: [0, { Custom: 6028 }] }`. `instructionPrograms[i]` is the program of the
 * transaction's i-th instruction (used when the logs do not name the failing program).
 */
export function decodeTransactionError(
  err: TransactionError,
  logs: string[],
  instructionPrograms: PublicKey[],
): TxErrorDetails {
  const custom = customErrorOf(err, logs, instructionPrograms);
  if (custom) return { ...programError(custom.programId, custom.code), logs };
  if (typeof err === "object" && err !== null && "InstructionError" in err) {
    const [index, inner] = (err as { InstructionError: [number, unknown] }).InstructionError;
    const topLevel = instructionPrograms[index]?.toBase58();
    const variant = typeof inner === "string" ? inner : JSON.stringify(inner);
    return {
      name: variant,
      message: `instruction ${index} (${topLevel ? programLabel(topLevel) : "?"}) failed: ${RUNTIME_MESSAGES[variant] ?? variant}`,
      program: topLevel ? programLabel(topLevel) : undefined,
      logs,
    };
  }
  const name = typeof err === "string" ? err : Object.keys(err as object)[0] ?? JSON.stringify(err);
  return { name, message: RUNTIME_MESSAGES[name] ?? JSON.stringify(err), logs };
}

const RUNTIME_MESSAGES: Record<string, string> = {
  AccountNotFound: "The fee payer has no SOL on this cluster (airdrop or fund the wallet first)",
  InsufficientFundsForFee: "The fee payer cannot pay the transaction fee",
  InsufficientFundsForRent: "An account would be left below the rent-exempt minimum (not enough SOL)",
  BlockhashNotFound: "The blockhash expired; send again",
  AlreadyProcessed: "This transaction was already processed",
  InvalidAccountData: "An account's data is not what the program expects",
  AccountAlreadyInitialized: "The account already exists",
};

/** Whatever a wallet or RPC call threw, as TxErrorDetails (custom codes named when present). */
export function decodeThrown(err: unknown, instructionPrograms: PublicKey[]): TxErrorDetails {
  if (err instanceof TxFailedError) return err.details;
  const messages: string[] = [];
  let logs: string[] = [];
  let name = "Error";
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const e = cur as { name?: string; message?: string; logs?: string[]; transactionLogs?: string[]; error?: unknown; cause?: unknown };
    if (e.message) messages.push(e.message);
    if (e.name && name === "Error") name = e.name;
    const l = e.logs ?? e.transactionLogs;
    if (Array.isArray(l) && l.length) logs = l;
    cur = e.error ?? e.cause;
  }
  const text = messages.join("\n");
  const custom = customErrorOf(err, logs, instructionPrograms);
  if (custom) return { ...programError(custom.programId, custom.code), logs: custom.logs };
  if (/reject/i.test(text)) return { name: "UserRejected", message: "The wallet refused to sign", logs };
  return { name, message: messages[0] ?? String(err), logs };
}

/** A failed transaction, with its decoded error (and its signature if it was sent). */
export class TxFailedError extends Error {
  constructor(
    readonly details: TxErrorDetails,
    readonly signature?: string,
  ) {
    super(`${details.name}: ${details.message}`);
    this.name = "TxFailedError";
  }
}
