// Transaction failures as the user should read them: the program's error by name and message
// (from the committed IDLs, or Anchor's own errors below 6000), else the runtime's error.

import { LangErrorCode, LangErrorMessage } from "@anchor-lang/core";
import { PublicKey, type TransactionError } from "@solana/web3.js";

import { escrowIdl, registryIdl, royaltiesIdl } from "./programs";

export interface TxErrorDetails {
  /** The error's name: an IDL error (e.g. "PriceAboveLimit"), an Anchor error, or the runtime's. */
  name: string;
  message: string;
  /** Which program raised it ("registry", "royalties", "escrow", "anchor", or an address). */
  program?: string;
  code?: number;
  logs: string[];
}

interface IdlWithErrors {
  address: string;
  errors?: readonly { code: number; name: string; msg?: string }[];
}

const KNOWN_PROGRAMS: { label: string; idl: IdlWithErrors }[] = [
  { label: "registry", idl: registryIdl },
  { label: "royalties", idl: royaltiesIdl },
  { label: "escrow", idl: escrowIdl },
];

const langNames = new Map<number, string>(Object.entries(LangErrorCode).map(([name, code]) => [code as number, name]));

const SYSTEM_PROGRAMS: Record<string, string> = {
  "11111111111111111111111111111111": "system",
  TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: "spl-token",
  TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: "token-2022",
  ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL: "associated-token",
};

/** The label of a program id: one of Tessera's, a well-known one, or the address. */
export function programLabel(programId: string): string {
  return KNOWN_PROGRAMS.find((p) => p.idl.address === programId)?.label ?? SYSTEM_PROGRAMS[programId] ?? programId;
}

/** A custom error code raised by `programId`, named from its IDL (≥ 6000) or Anchor (< 6000). */
export function namedProgramError(programId: string | undefined, code: number): Omit<TxErrorDetails, "logs"> {
  if (code < 6000 && langNames.has(code)) {
    return { name: langNames.get(code)!, message: LangErrorMessage.get(code) ?? "", program: "anchor", code };
  }
  const known = KNOWN_PROGRAMS.find((p) => p.idl.address === programId);
  const e = known?.idl.errors?.find((x) => x.code === code);
  if (known && e) return { name: e.name, message: e.msg ?? "", program: known.label, code };
  if (programId === SPL_TOKEN || programId === SPL_TOKEN_2022) {
    const t = TOKEN_ERRORS[code];
    if (t) return { name: t[0], message: t[1], program: programLabel(programId), code };
  }
  return {
    name: `Custom(${code})`,
    message: `custom program error 0x${code.toString(16)}`,
    program: programId ? programLabel(programId) : undefined,
    code,
  };
}

const SPL_TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const SPL_TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
const TOKEN_ERRORS: Record<number, [string, string]> = {
  1: ["InsufficientFunds", "Insufficient token balance"],
  3: ["MintMismatch", "Account not associated with this mint"],
  4: ["OwnerMismatch", "Owner does not match"],
};

/** The program that failed first (the innermost), from "Program X failed: …" log lines. */
function failingProgramFromLogs(logs: string[]): string | undefined {
  for (const line of logs) {
    const m = line.match(/^Program (\w{32,44}) failed: /);
    if (m) return m[1];
  }
  return undefined;
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
  if (typeof err === "object" && err !== null && "InstructionError" in err) {
    const [index, inner] = (err as { InstructionError: [number, unknown] }).InstructionError;
    const topLevel = instructionPrograms[index]?.toBase58();
    if (typeof inner === "object" && inner !== null && "Custom" in inner) {
      const code = Number((inner as { Custom: number }).Custom);
      const program = failingProgramFromLogs(logs) ?? topLevel;
      return { ...namedProgramError(program, code), logs };
    }
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
  const custom = text.match(/custom program error: 0x([0-9a-fA-F]+)/);
  if (custom) {
    const code = parseInt(custom[1], 16);
    const ix = text.match(/Error processing Instruction (\d+)/);
    const program = failingProgramFromLogs(logs) ?? (ix ? instructionPrograms[Number(ix[1])]?.toBase58() : undefined);
    return { ...namedProgramError(program, code), logs };
  }
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
