// The access gate's client (`tessera serve`, README "Serving a dataset or a model"): a challenge,
// the exact message a holder signs (byte for byte `tessera_client::proof::message`), the proof
// headers, the session a granted delivery hands out (`X-Tessera-Session`, sent back as
// `Authorization: Bearer <token>`), and the gate's refusals (`{"error": code, "message"}`).
//
// The message is built here from the challenge's fields, never taken from the gate's `message`
// text: a gate answering another text than the one it stated the fields of is refused, so a
// wallet never signs words it was not shown the meaning of. The wallet signs for the domain the
// challenge names; callers that know the gate's domain pass `expectDomain` (the CLI's
// `tessera download` signs only for its --gate URL's host or host:port unless --domain says).

import { getBase58Decoder } from "@solana/kit";
import { PublicKey } from "@solana/web3.js";

import type { SignMessage } from "./channels";

/** The first line of every signed access message. */
export const ACCESS_MESSAGE_VERSION = "tessera-access-v1";
export const HOLDER_HEADER = "X-Tessera-Holder";
export const NONCE_HEADER = "X-Tessera-Nonce";
export const SIGNATURE_HEADER = "X-Tessera-Signature";
/** Consumable gates: the signature of a confirmed `redeem_access` of the holder. */
export const REDEEM_HEADER = "X-Tessera-Redeem";
/** A delivery granted on a signed challenge: the session token (then `Authorization: Bearer`). */
export const SESSION_HEADER = "X-Tessera-Session";
/** Beside the session token: its expiry (unix seconds). */
export const SESSION_EXPIRES_HEADER = "X-Tessera-Session-Expires";

/** The gate's refusal codes that are the access rule's reasons (the registry's `AccessDenied`). */
export const ACCESS_DENIED_CODES = {
  no_pass: "NoPass",
  pass_expired: "PassExpired",
  pass_revoked: "PassRevoked",
  no_access_token: "NoAccessToken",
} as const;

/** `GET /v1/assets/<asset>/challenge`. */
export interface Challenge {
  nonce: string;
  /** The nonce's expiry (unix seconds). */
  expiresAt: number;
  /** The gate's domain: what the signature is bound to. */
  domain: string;
  asset: string;
  /** The gate's own rendering of the message (checked against {@link accessMessage}). */
  message: string;
}

/** A signed challenge, as the three proof headers carry it. */
export interface AccessProof {
  holder: string;
  nonce: string;
  /** base58 ed25519 signature of {@link accessMessage}. */
  signature: string;
}

/** A session a delivery handed out. */
export interface GateSession {
  token: string;
  /** unix seconds */
  expiresAt: number;
}

/**
 * The message a holder signs, as `tessera_client::proof::message`: five lines joined by `\n`,
 * no trailing newline.
 */
export function accessMessage(domain: string, asset: PublicKey | string, nonce: string, expires: number | bigint): string {
  const a = typeof asset === "string" ? asset : asset.toBase58();
  return `${ACCESS_MESSAGE_VERSION}\ndomain: ${domain}\nasset: ${a}\nnonce: ${nonce}\nexpires: ${expires.toString()}`;
}

/** The UTF-8 bytes a wallet's `signMessage` signs. */
export function accessMessageBytes(domain: string, asset: PublicKey | string, nonce: string, expires: number | bigint): Uint8Array {
  return new TextEncoder().encode(accessMessage(domain, asset, nonce, expires));
}

/** Signs the challenge with a wallet's `signMessage`; the proof headers' values. */
export async function signAccess(
  signMessage: SignMessage,
  p: { holder: PublicKey; asset: PublicKey | string; challenge: Pick<Challenge, "domain" | "nonce" | "expiresAt"> },
): Promise<AccessProof> {
  const { domain, nonce, expiresAt } = p.challenge;
  const signature = await signMessage(accessMessageBytes(domain, p.asset, nonce, expiresAt));
  if (signature.length !== 64) throw new Error(`the wallet returned a signature of ${signature.length} bytes, not 64`);
  return { holder: p.holder.toBase58(), nonce, signature: getBase58Decoder().decode(signature) };
}

/** The proof headers (and `X-Tessera-Redeem` for a consumable gate). */
export function proofHeaders(proof: AccessProof, redeem?: string): Record<string, string> {
  const h: Record<string, string> = {
    [HOLDER_HEADER]: proof.holder,
    [NONCE_HEADER]: proof.nonce,
    [SIGNATURE_HEADER]: proof.signature,
  };
  if (redeem) h[REDEEM_HEADER] = redeem;
  return h;
}

/** The header a session is presented with instead of the proof. */
export function sessionHeaders(token: string, redeem?: string): Record<string, string> {
  const h: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (redeem) h[REDEEM_HEADER] = redeem;
  return h;
}

/** The session a delivery carries, or null (a delivery on a session, or a gate without sessions). */
export function sessionOf(headers: Headers): GateSession | null {
  const token = headers.get(SESSION_HEADER);
  const expiresText = headers.get(SESSION_EXPIRES_HEADER);
  const expires = Number(expiresText);
  if (!token || !expiresText || !/^\d+$/.test(expiresText.trim()) || !Number.isSafeInteger(expires)) return null;
  return { token, expiresAt: expires };
}

/** The gate's base URL without trailing slashes; null if not an http(s) URL. */
export function normalizeGateUrl(text: string): string | null {
  const t = text.trim().replace(/\/+$/, "");
  try {
    const u = new URL(t);
    return u.protocol === "http:" || u.protocol === "https:" ? t : null;
  } catch {
    return null;
  }
}

/**
 * The domains a gate at `gate` may sign for, as the CLI's `tessera download` defaults: the URL's
 * host, and host:port (the scheme's default port when none is written).
 */
export function gateDomains(gate: string): string[] {
  const u = new URL(gate);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return [u.hostname, `${u.hostname}:${port}`];
}

/** `<gate>/v1/assets/<asset>/<what>` (challenge, data, infer). */
export function gateEndpoint(gate: string, asset: PublicKey | string, what: "challenge" | "data" | "infer"): string {
  const a = typeof asset === "string" ? asset : asset.toBase58();
  return `${gate.replace(/\/+$/, "")}/v1/assets/${a}/${what}`;
}

/** A refusal of the gate: its HTTP status, its code and message, and the access rule's reason. */
export class GateRefusal extends Error {
  constructor(
    readonly status: number,
    /** The gate's code (`pass_revoked`, `bad_session`, …); null when the answer was not a gate's JSON. */
    readonly code: string | null,
    readonly detail: string,
    /** `Retry-After` in seconds (503 `redeem_pending`, `gate_busy`), if any. */
    readonly retryAfter: number | null,
  ) {
    super(code ? `HTTP ${status} ${code}: ${detail}` : `HTTP ${status}: ${detail}`);
    this.name = "GateRefusal";
  }

  /** The registry's `AccessDenied` name behind the code (`PassRevoked`, …), if it is one. */
  get reason(): string | null {
    return this.code && this.code in ACCESS_DENIED_CODES
      ? ACCESS_DENIED_CODES[this.code as keyof typeof ACCESS_DENIED_CODES]
      : null;
  }

  /** The session was refused (expired or not this gate's): a fresh challenge may succeed. */
  get sessionRefused(): boolean {
    return this.code === "bad_session" || this.code === "session_expired";
  }
}

/** Decodes a non-2xx answer (`{"error": code, "message"}`, or any other body) into a {@link GateRefusal}. */
export async function decodeRefusal(res: Response): Promise<GateRefusal> {
  const text = await res.text().catch(() => "");
  const retry = Number(res.headers.get("retry-after"));
  let code: string | null = null;
  let message = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") {
      code = body.error;
      message = typeof body.message === "string" ? body.message : "";
    }
  } catch {
    // not JSON: the text is the message
  }
  return new GateRefusal(res.status, code, message || res.statusText, Number.isFinite(retry) && retry > 0 ? retry : null);
}

/**
 * `GET …/challenge`, checked: the challenge is for `asset`, its message is the one built from its
 * fields, and (with `expectDomain`) it names one of those domains.
 */
export async function fetchChallenge(
  gate: string,
  asset: PublicKey | string,
  o: { expectDomain?: string[]; signal?: AbortSignal } = {},
): Promise<Challenge> {
  const a = typeof asset === "string" ? asset : asset.toBase58();
  const url = gateEndpoint(gate, a, "challenge");
  const res = await fetch(url, { signal: o.signal });
  if (!res.ok) throw await decodeRefusal(res);
  const c = (await res.json().catch(() => null)) as Partial<Challenge> | null;
  if (!c || typeof c.nonce !== "string" || typeof c.expiresAt !== "number" || typeof c.domain !== "string") {
    throw new Error(`the gate at ${gate} did not answer a challenge (is it a \`tessera serve\` gate?)`);
  }
  if (c.asset !== undefined && c.asset !== a) throw new Error(`the gate's challenge is for asset ${c.asset}, not ${a}`);
  const expected = accessMessage(c.domain, a, c.nonce, c.expiresAt);
  if (c.message !== undefined && c.message !== expected) {
    throw new Error("the gate's challenge message is not the one its fields make: nothing was signed");
  }
  if (o.expectDomain && !o.expectDomain.includes(c.domain)) {
    throw new Error(
      `the gate asks for a signature for the domain "${c.domain}", not ${o.expectDomain.map((d) => `"${d}"`).join(" or ")}: ` +
        "a proof for that domain would be valid at that domain's gate; nothing was signed",
    );
  }
  return { nonce: c.nonce, expiresAt: c.expiresAt, domain: c.domain, asset: a, message: expected };
}

/** A challenge fetched and signed: the proof headers for one request. */
export async function challengeHeaders(
  gate: string,
  asset: PublicKey | string,
  holder: PublicKey,
  signMessage: SignMessage,
  o: { expectDomain?: string[]; redeem?: string; signal?: AbortSignal } = {},
): Promise<Record<string, string>> {
  const challenge = await fetchChallenge(gate, asset, o);
  return proofHeaders(await signAccess(signMessage, { holder, asset, challenge }), o.redeem);
}

/** `Content-Range: bytes START-END/TOTAL` → {start, total}; a 416's unsatisfied range (`bytes *` over TOTAL) → {start: null, total}. */
export function parseContentRange(v: string | null): { start: number | null; total: number } | null {
  const m = v ? /^bytes\s+(\*|(\d+)-\d+)\/(\d+)$/.exec(v.trim()) : null;
  if (!m) return null;
  return { start: m[2] === undefined ? null : Number(m[2]), total: Number(m[3]) };
}
