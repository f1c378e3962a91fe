// Typed program errors, decoded from codes. The tables are the generated core's (one per program,
// from the IDLs' `errors`) and Anchor's own (`LangErrorCode`, codes below 6000); the same code
// means different errors in different programs, so a code is always named with its program.

import { LangErrorCode, LangErrorMessage } from "@anchor-lang/core";
import type { PublicKey } from "@solana/web3.js";

import * as registryErrors from "./generated/registry/errors";
import * as royaltiesErrors from "./generated/royalties/errors";
import * as escrowErrors from "./generated/escrow/errors";
import * as channelsErrors from "./generated/channels/errors";
import {
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  type TesseraProgram,
  channelsIdl,
  escrowIdl,
  programLabel,
  registryIdl,
  royaltiesIdl,
  tesseraProgramOf,
} from "./programs";

/** One program error: its program, code, IDL name (e.g. "PriceAboveLimit") and message. */
export interface ProgramErrorInfo {
  /** "registry", "royalties", "escrow", "channels", "anchor" (Anchor's own errors), a well-known program or an address. */
  program?: string;
  code: number;
  name: string;
  message: string;
}

type ErrorTable = Map<number, { name: string; message: string }>;

/** SCREAMING_SNAKE (the generated constants' names) to PascalCase (the IDL's names). */
const pascal = (s: string) =>
  s
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");

/**
 * A program's table from its generated errors module (`PREFIX__NAME = code` and the message
 * getter). The generated getter answers a placeholder in production bundles (it tests
 * `process.env.NODE_ENV`), so the message is the IDL's own `msg` when the IDL has one.
 */
function tableOf(
  module: Record<string, unknown>,
  prefix: string,
  message: (code: never) => string,
  idl: { errors?: readonly { code: number; msg?: string }[] },
): ErrorTable {
  const table: ErrorTable = new Map();
  for (const [key, value] of Object.entries(module)) {
    if (key.startsWith(prefix) && typeof value === "number") {
      const msg = idl.errors?.find((e) => e.code === value)?.msg ?? message(value as never);
      table.set(value, { name: pascal(key.slice(prefix.length)), message: msg });
    }
  }
  return table;
}

/** Each Tessera program's errors by code. */
export const PROGRAM_ERRORS: Record<TesseraProgram, ErrorTable> = {
  registry: tableOf(registryErrors, "TESSERA_REGISTRY_ERROR__", registryErrors.getTesseraRegistryErrorMessage, registryIdl),
  royalties: tableOf(
    royaltiesErrors,
    "TESSERA_ROYALTIES_ERROR__",
    royaltiesErrors.getTesseraRoyaltiesErrorMessage,
    royaltiesIdl,
  ),
  escrow: tableOf(escrowErrors, "TESSERA_ESCROW_ERROR__", escrowErrors.getTesseraEscrowErrorMessage, escrowIdl),
  channels: tableOf(
    channelsErrors,
    "TESSERA_CHANNELS_ERROR__",
    channelsErrors.getTesseraChannelsErrorMessage,
    channelsIdl,
  ),
};

/** Anchor's framework errors (codes below 6000) by code. */
export const ANCHOR_ERRORS: ErrorTable = new Map(
  Object.entries(LangErrorCode).map(([name, code]) => [
    code as number,
    { name, message: LangErrorMessage.get(code as number) ?? "" },
  ]),
);

/** The few SPL Token / Token-2022 errors a Tessera transaction can meet (the token programs' own codes). */
const TOKEN_ERRORS: ErrorTable = new Map([
  [1, { name: "InsufficientFunds", message: "Insufficient token balance" }],
  [3, { name: "MintMismatch", message: "Account not associated with this mint" }],
  [4, { name: "OwnerMismatch", message: "Owner does not match" }],
]);

/** The code of the error `name` of `program`'s IDL, or of Anchor's own errors; undefined if neither has it. */
export function errorCode(program: TesseraProgram, name: string): number | undefined {
  for (const [code, e] of PROGRAM_ERRORS[program]) if (e.name === name) return code;
  return (LangErrorCode as Record<string, number>)[name];
}

/** Every name `code` has in the three programs and in Anchor's errors, as "program:Name". */
export function errorNamesOf(code: number): string[] {
  const names: string[] = [];
  for (const [program, table] of Object.entries(PROGRAM_ERRORS)) {
    const e = table.get(code);
    if (e) names.push(`${program}:${e.name}`);
  }
  const a = ANCHOR_ERRORS.get(code);
  if (a) names.push(`anchor:${a.name}`);
  return names;
}

/** A custom error code raised by `programId`: named from its IDL (≥ 6000) or Anchor (< 6000). */
export function programError(programId: PublicKey | string | undefined, code: number): ProgramErrorInfo {
  const id = programId === undefined ? undefined : typeof programId === "string" ? programId : programId.toBase58();
  const anchor = code < 6000 ? ANCHOR_ERRORS.get(code) : undefined;
  if (anchor) return { ...anchor, program: "anchor", code };
  const program = tesseraProgramOf(id);
  const known = program ? PROGRAM_ERRORS[program].get(code) : undefined;
  if (program && known) return { ...known, program, code };
  if (id === TOKEN_PROGRAM_ID.toBase58() || id === TOKEN_2022_PROGRAM_ID.toBase58()) {
    const t = TOKEN_ERRORS.get(code);
    if (t) return { ...t, program: programLabel(id), code };
  }
  return {
    name: `Custom(${code})`,
    message: `custom program error 0x${code.toString(16)}`,
    program: id ? programLabel(id) : undefined,
    code,
  };
}

/** The program that failed first (the innermost), from "Program X failed: …" log lines. */
export function failingProgramFromLogs(logs: readonly string[]): string | undefined {
  for (const line of logs) {
    const m = line.match(/^Program (\w{32,44}) failed: /);
    if (m) return m[1];
  }
  return undefined;
}

/** A custom program error found in whatever a client threw or an RPC reported. */
export interface CustomErrorLocation {
  code: number;
  /** The failing program, when the error or its logs say which. */
  programId?: string;
  /** The failing instruction's index in the transaction, when known. */
  instructionIndex?: number;
  logs: string[];
}

/**
 * The custom program error carried by `err`: a transaction error as the RPC reports it
 * (`{ InstructionError: [0, { Custom: 6028 }] }`), Anchor's AnchorError / ProgramError, or any
 * thrown error whose message, logs or cause carry "custom program error: 0x…" or `"Custom":N`.
 * `instructionPrograms[i]` (the program of the transaction's i-th instruction) names the failing
 * program when the logs do not. Null when there is no custom code.
 */
export function customErrorOf(
  err: unknown,
  logs: readonly string[] = [],
  instructionPrograms: readonly PublicKey[] = [],
): CustomErrorLocation | null {
  let allLogs = [...logs];
  const located = (code: number, index?: number, programId?: string): CustomErrorLocation => ({
    code,
    instructionIndex: index,
    programId:
      failingProgramFromLogs(allLogs) ?? programId ?? (index !== undefined ? instructionPrograms[index]?.toBase58() : undefined),
    logs: allLogs,
  });
  if (typeof err === "object" && err !== null && "InstructionError" in err) {
    const [index, inner] = (err as { InstructionError: [number, unknown] }).InstructionError;
    if (typeof inner === "object" && inner !== null && "Custom" in inner) {
      return located(Number((inner as { Custom: number }).Custom), index);
    }
    return null;
  }
  // Anchor's AnchorError (`error.errorCode.number`, with the program id) and ProgramError (`code`, `msg`).
  const e = err as {
    error?: { errorCode?: { number?: number } };
    program?: PublicKey;
    logs?: string[];
    code?: unknown;
    msg?: unknown;
  };
  if (e && typeof e.error?.errorCode?.number === "number") {
    if (Array.isArray(e.logs) && e.logs.length && !allLogs.length) allLogs = e.logs;
    return located(e.error.errorCode.number, undefined, e.program?.toBase58?.());
  }
  const messages: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = cur as {
      message?: string;
      transactionMessage?: string;
      logs?: string[];
      transactionLogs?: string[];
      error?: unknown;
      cause?: unknown;
    };
    messages.push(String(cur));
    if (typeof c.message === "string") messages.push(c.message);
    if (typeof c.transactionMessage === "string") messages.push(c.transactionMessage);
    const l = c.logs ?? c.transactionLogs;
    if (Array.isArray(l) && l.length && !allLogs.length) allLogs = l;
    cur = c.error ?? c.cause;
  }
  if (e && typeof e.code === "number" && typeof e.msg === "string") return located(e.code);
  const text = [...messages, ...allLogs].join("\n");
  const ix = text.match(/Error processing Instruction (\d+)/);
  const index = ix ? Number(ix[1]) : undefined;
  const hex = text.match(/custom program error: 0x([0-9a-fA-F]+)/);
  if (hex) return located(parseInt(hex[1], 16), index);
  const json = text.match(/"Custom"\s*:\s*(\d+)/);
  if (json) return located(parseInt(json[1], 10), index);
  return null;
}

/** The program error carried by `err` (see customErrorOf), named; null when there is none. */
export function decodeProgramError(
  err: unknown,
  logs: readonly string[] = [],
  instructionPrograms: readonly PublicKey[] = [],
): (ProgramErrorInfo & { logs: string[] }) | null {
  const found = customErrorOf(err, logs, instructionPrograms);
  if (!found) return null;
  return { ...programError(found.programId, found.code), logs: found.logs };
}

/** The numeric custom program error code carried by `err`, if any. */
export function errorCodeOf(err: unknown): number | null {
  return customErrorOf(err)?.code ?? null;
}
