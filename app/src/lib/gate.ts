// Using a pass at the asset's access gate (`tessera serve`) from the browser: downloading a
// dataset and calling a model, with the wallet's signMessage (the SDK's gate client,
// sdk/src/gate.ts, builds the message and the headers).
//
// Download, as the CLI's `tessera download` does it:
// - a challenge signed by the wallet, then `GET …/data`; the delivery's session token
//   (`X-Tessera-Session`) is kept and every later request of the download sends
//   `Authorization: Bearer <token>` instead (a refused session falls back to a fresh challenge);
// - the bytes go to a sink (a file chosen with the File System Access API, or a Blob handed to the
//   browser's downloads) chunk by chunk, and SHA-256 is updated with each chunk (@noble/hashes'
//   incremental hasher: the page never holds a second copy and is never blocked);
// - a transfer that breaks (the connection cut, a stall) resumes with `Range: bytes=<received>-`;
//   an answer that does not start at that byte is refused; a whole-file answer starts over;
// - at the end the digest is compared with the asset's on-chain content hash.
//
// The gate URL: an asset's `uri` is an opaque string today (e.g. `ar://…`; nothing fetches a
// metadata document from it), so it names no gate. The buyer enters the gate's URL once per asset;
// it is kept in this browser's local storage under the same key as the metered Call box's
// (`tessera.gateUrl|<asset>`), so a model's gate is typed once.

import { sha256 } from "@noble/hashes/sha2.js";
import type { PublicKey } from "@solana/web3.js";
import {
  type GateSession,
  GateRefusal,
  challengeHeaders,
  decodeRefusal,
  gateDomains,
  gateEndpoint,
  parseContentRange,
  sessionHeaders,
  sessionOf,
} from "@tessera/sdk";

export { normalizeGateUrl } from "@tessera/sdk";

/** The local-storage key of an asset's gate URL (shared with the metered Call box). */
export const gateUrlKey = (asset: string) => `tessera.gateUrl|${asset}`;

export const loadGateUrl = (asset: string) => localStorage.getItem(gateUrlKey(asset)) ?? "";
export const saveGateUrl = (asset: string, url: string) => localStorage.setItem(gateUrlKey(asset), url);

export type SignMessage = (message: Uint8Array) => Promise<Uint8Array>;

/** Where the downloaded bytes go. */
export interface Sink {
  kind: "file-system-access" | "blob";
  write(chunk: Uint8Array): Promise<void>;
  /** Drops everything written (a gate that answered a range request with the whole file). */
  reset(): Promise<void>;
  /** The file is complete and verified: keep it. */
  commit(fileName: string): Promise<void>;
  /** The file is not kept (refused, broken off, or its hash differs). */
  discard(): Promise<void>;
}

/** Whether the File System Access API's save picker is available (Chromium, secure contexts). */
export const canPickFile = () => typeof (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker === "function";

interface WritableFile {
  write(data: Uint8Array | { type: "truncate"; size: number } | { type: "seek"; position: number }): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** A file the user picks (File System Access API): written as the bytes arrive, nothing held in memory. */
export async function pickFileSink(suggestedName: string): Promise<Sink> {
  const picker = (window as unknown as {
    showSaveFilePicker: (o: { suggestedName: string }) => Promise<{ createWritable: () => Promise<WritableFile> }>;
  }).showSaveFilePicker;
  const handle = await picker({ suggestedName });
  const w = await handle.createWritable();
  return {
    kind: "file-system-access",
    write: (chunk) => w.write(chunk),
    reset: async () => {
      await w.write({ type: "truncate", size: 0 });
      await w.write({ type: "seek", position: 0 });
    },
    commit: () => w.close(),
    // abort() leaves the file as it was before: the partial bytes are never written to it.
    discard: () => w.abort().catch(() => undefined),
  };
}

/** The bytes kept in memory, then handed to the browser's downloads as a Blob (files up to a few hundred MB). */
export function blobSink(): Sink & { blob: () => Blob } {
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  return {
    kind: "blob",
    write: async (chunk) => {
      chunks.push(chunk.slice());
    },
    reset: async () => {
      chunks = [];
    },
    blob: () => new Blob(chunks, { type: "application/octet-stream" }),
    commit: async (fileName) => {
      const url = URL.createObjectURL(new Blob(chunks, { type: "application/octet-stream" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      chunks = [];
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    discard: async () => {
      chunks = [];
    },
  };
}

export interface DownloadProgress {
  /** Bytes written so far. */
  received: number;
  /** The file's size, once the gate said it. */
  total: number | null;
  /** Data requests made. */
  requests: number;
  /** The byte each resumed request started from (empty if none was needed). */
  resumedFrom: number[];
  /** Whether the last request went with the session token (no challenge). */
  usedSession: boolean;
}

export interface DownloadResult extends DownloadProgress {
  sha256: Uint8Array;
  matches: boolean;
}

export interface DownloadOptions {
  gate: string;
  asset: PublicKey;
  holder: PublicKey;
  signMessage: SignMessage;
  sink: Sink;
  /** The asset's on-chain content hash. */
  expectedHash: Uint8Array | number[];
  /** At most this many data requests (the first one, then resumptions). */
  maxRequests?: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Seconds without a byte before a request is given up (and resumed). */
  stallSeconds?: number;
  signal?: AbortSignal;
}

/** A transfer broken off: worth a resumption. */
class Interrupted extends Error {}

/**
 * Downloads the asset's file from its gate into `sink`, resuming with range requests, and hashes
 * it as it streams. Throws a {@link GateRefusal} when the gate refuses (e.g. `pass_revoked`).
 * Does not commit or discard the sink: the caller decides from `matches` (the digest equals
 * `expectedHash`).
 */
export async function downloadFromGate(o: DownloadOptions): Promise<DownloadResult> {
  const maxRequests = o.maxRequests ?? 5;
  const stallMs = (o.stallSeconds ?? 30) * 1000;
  let hasher = sha256.create();
  let session: GateSession | null = null;
  const p: DownloadProgress = { received: 0, total: null, requests: 0, resumedFrom: [], usedSession: false };
  const report = () => o.onProgress?.({ ...p, resumedFrom: [...p.resumedFrom] });
  let lastError: unknown = null;

  while (p.requests < maxRequests) {
    o.signal?.throwIfAborted();
    const offset = p.received;
    const headers: Record<string, string> =
      session && session.expiresAt > Date.now() / 1000 + 5
        ? sessionHeaders(session.token)
        : await challengeHeaders(o.gate, o.asset, o.holder, o.signMessage, { expectDomain: gateDomains(o.gate), signal: o.signal });
    const withSession = "Authorization" in headers;
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    p.requests += 1;
    p.usedSession = withSession;
    if (offset > 0) p.resumedFrom.push(offset);
    report();

    const stall = new AbortController();
    const onAbort = () => stall.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onAbort);
    let timer = setTimeout(() => stall.abort(new Interrupted("no byte for a while")), stallMs);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new Interrupted("no byte for a while")), stallMs);
    };
    try {
      let res: Response;
      try {
        res = await fetch(gateEndpoint(o.gate, o.asset, "data"), { headers, signal: stall.signal });
      } catch (e) {
        // The gate answered a challenge moments ago: a failure now is a broken connection.
        if (o.signal?.aborted) throw e;
        throw new Interrupted(e instanceof Error ? e.message : String(e));
      }
      if (res.status === 416 && offset > 0) {
        const range = parseContentRange(res.headers.get("content-range"));
        if (range && range.start === null && range.total === offset) {
          p.total = offset;
          break; // everything was received already
        }
      }
      if (res.status !== 200 && res.status !== 206) {
        const refusal = await decodeRefusal(res);
        if (withSession && refusal.sessionRefused) {
          session = null; // a fresh challenge next
          continue;
        }
        // As `tessera download`: a 503 with Retry-After (gate_busy, redeem_pending) and
        // chain_unavailable are worth another request after the delay.
        if ((res.status === 503 && refusal.retryAfter !== null) || refusal.code === "chain_unavailable") {
          lastError = refusal;
          await new Promise((r) => setTimeout(r, Math.min(30, Math.max(1, refusal.retryAfter ?? 1)) * 1000));
          continue;
        }
        throw refusal;
      }
      session = sessionOf(res.headers) ?? session;
      if (res.status === 206) {
        const range = parseContentRange(res.headers.get("content-range"));
        if (!range || range.start !== offset) {
          throw new Error(`the gate answered the range request from byte ${offset} with Content-Range ${res.headers.get("content-range") ?? "(none)"}`);
        }
        p.total = range.total;
      } else {
        if (offset > 0) {
          // The whole file again: start over.
          await o.sink.reset();
          hasher = sha256.create();
          p.received = 0;
        }
        const length = Number(res.headers.get("content-length"));
        p.total = Number.isSafeInteger(length) && res.headers.has("content-length") ? length : null;
      }
      report();
      if (!res.body) throw new Error("the gate's answer has no body");
      const reader = res.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          if (o.signal?.aborted) throw e;
          throw new Interrupted(e instanceof Error ? e.message : String(e));
        }
        if (chunk.done) break;
        rearm();
        hasher.update(chunk.value);
        await o.sink.write(chunk.value);
        p.received += chunk.value.length;
        report();
      }
      if (p.total === null || p.received >= p.total) {
        p.total = p.received;
        break;
      }
      throw new Interrupted(`the transfer ended at byte ${p.received} of ${p.total}`);
    } catch (e) {
      if (!(e instanceof Interrupted) && !(stall.signal.aborted && stall.signal.reason instanceof Interrupted)) throw e;
      lastError = stall.signal.reason instanceof Interrupted ? stall.signal.reason : e;
      // Resumed by the next round, from p.received.
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    }
  }
  if (p.total === null || p.received < p.total) {
    if (lastError instanceof GateRefusal) throw lastError;
    throw new Error(
      `the download stopped at byte ${p.received} after ${p.requests} requests: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    );
  }
  const digest = hasher.digest();
  report();
  return { ...p, sha256: digest, matches: sameHash(digest, o.expectedHash) };
}

/** Whether two hashes are equal. */
export const sameHash = (a: Uint8Array, b: Uint8Array | number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export type InferOutcome =
  | { kind: "answer"; status: number; body: string; usedSession: boolean }
  | { kind: "refused"; refusal: GateRefusal };

/**
 * `POST …/infer` with the request body, proved by a signed challenge (or the session a previous
 * call of this page got, while it lasts). The model's answer, or the gate's refusal.
 */
export async function inferWithPass(o: {
  gate: string;
  model: PublicKey;
  holder: PublicKey;
  signMessage: SignMessage;
  body: string;
  session: GateSession | null;
  timeoutMs?: number;
}): Promise<{ outcome: InferOutcome; session: GateSession | null }> {
  let session = o.session && o.session.expiresAt > Date.now() / 1000 + 5 ? o.session : null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers: Record<string, string> = session
      ? sessionHeaders(session.token)
      : await challengeHeaders(o.gate, o.model, o.holder, o.signMessage, { expectDomain: gateDomains(o.gate) });
    headers["Content-Type"] = "application/octet-stream";
    const res = await fetch(gateEndpoint(o.gate, o.model, "infer"), {
      method: "POST",
      headers,
      body: o.body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
    });
    if (res.ok) {
      const usedSession = session !== null;
      session = sessionOf(res.headers) ?? session;
      return { outcome: { kind: "answer", status: res.status, body: await res.text(), usedSession }, session };
    }
    const refusal = await decodeRefusal(res);
    if (session && refusal.sessionRefused) {
      session = null; // once more with a fresh challenge
      continue;
    }
    return { outcome: { kind: "refused", refusal }, session: null };
  }
  throw new Error("the gate refused the session and the fresh challenge");
}

export { GateRefusal };
