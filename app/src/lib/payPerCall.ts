// Paying a metered model's calls from the browser (README: "A metered model: pay per call"):
// each call carries an `X-Tessera-Voucher` for the channel's cumulative amount — everything paid
// so far plus the price of this call — signed by the wallet's signMessage. No transaction per call.
//
// The gate is not trusted with the amount: a voucher is never signed above the highest of the
// total settled on chain and the highest voucher signed in this browser for the channel, plus the
// price. What the gate says it accepted (GET …/channels/<channel>, a 402's `accepted`) is shown,
// and only used to tell whether the kept voucher was accepted; a gate claiming more than this
// browser signed (or the chain settled) is refused, never followed.
//
// Two more rules keep the payer safe:
// - the highest voucher signed for a channel is kept in localStorage (per endpoint and channel)
//   before it is sent, so that a reload never signs a lower or equal amount again, and a voucher
//   the gate has not accepted yet (an unanswered call) is sent again rather than a new one;
// - a call that times out, fails on the network or finds the channel busy (409) is retried with
//   the SAME voucher: the gate charges a voucher once, for a 2xx answer of the model only, and
//   answers a retry of the last paid call with the same answer (X-Tessera-Retry), so a retry never
//   pays twice.

/** A voucher as the page keeps it (amounts as decimal strings: JSON has no bigint). */
export interface StoredVoucher {
  channel: string;
  cumulative: string;
  expiry: string;
  /** The `X-Tessera-Voucher` header value. */
  header: string;
  /** When it was signed (ms since the epoch). */
  signedAt: number;
}

const storageKey = (endpoint: string, channel: string) => `tessera.voucher|${endpoint}|${channel}`;

/** The highest voucher this browser signed for `channel` on `endpoint`'s cluster, if any. */
export function loadVoucher(endpoint: string, channel: string): StoredVoucher | null {
  try {
    const raw = localStorage.getItem(storageKey(endpoint, channel));
    if (!raw) return null;
    const v = JSON.parse(raw) as StoredVoucher;
    return v.channel === channel && /^\d+$/.test(v.cumulative) && typeof v.header === "string" ? v : null;
  } catch {
    return null;
  }
}

/** Records `v` unless a voucher at least as high is kept already (it never goes down). */
export function saveVoucher(endpoint: string, v: StoredVoucher): void {
  const kept = loadVoucher(endpoint, v.channel);
  if (kept && BigInt(kept.cumulative) >= BigInt(v.cumulative)) return;
  localStorage.setItem(storageKey(endpoint, v.channel), JSON.stringify(v));
}

/** The gate's payment requirements (the 402's `payment`, or GET …/payment). */
export interface PaymentRequirements {
  scheme: string;
  asset: string;
  channelsProgram: string;
  payee: string;
  provider: string;
  mint: string;
  decimals: number;
  pricePerCall: number;
  pricePerCallUi: string;
  minDeposit: number;
  minDepositUi: string;
  freeCalls: number;
  minCloseGraceSecs: number;
  [more: string]: unknown;
}

/** The gate's record of a channel (GET /v1/assets/<model>/channels/<channel>). */
export interface GateChannelState {
  accepted: number;
  required: number;
  settled: number;
  calls: number;
  deposit: number | null;
  pricePerCall: number;
}

/** A gate URL as the user typed it, without trailing slashes; null if not an http(s) URL (the SDK's gate client). */
export { normalizeGateUrl } from "@tessera/sdk";

async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

export const fetchRequirements = (gate: string, model: string, timeoutMs = 10_000) =>
  getJson<PaymentRequirements>(`${gate}/v1/assets/${model}/payment`, timeoutMs);

export const fetchGateChannel = (gate: string, model: string, channel: string, timeoutMs = 10_000) =>
  getJson<GateChannelState>(`${gate}/v1/assets/${model}/channels/${channel}`, timeoutMs);

/**
 * The cumulative amount of the next voucher: one price above the highest of what the chain
 * settled and what this browser signed already (never lower or equal to a voucher signed before).
 * What the gate says it accepted never raises it: a gate could claim any amount.
 */
export function nextCumulative(p: { settled: bigint; signed: bigint | null; price: bigint }): bigint {
  const base = p.signed !== null && p.signed > p.settled ? p.signed : p.settled;
  return base + p.price;
}

/**
 * Why a gate's claimed accepted total cannot be followed, or null: a gate claiming more than the
 * highest of this browser's kept voucher and the settled total (a voucher signed on another
 * device, or a lie) is refused rather than trusted with the amount to sign.
 */
export function acceptedAboveSigned(p: { accepted: bigint; settled: bigint; signed: bigint | null }): string | null {
  const known = p.signed !== null && p.signed > p.settled ? p.signed : p.settled;
  if (p.accepted <= known) return null;
  return (
    `the gate says it accepted ${p.accepted} base units on this channel, more than this browser signed ` +
    `(${p.signed ?? 0n} base units${p.settled > 0n ? `; ${p.settled} settled on chain` : ""}): nothing was signed. ` +
    `If you paid from another device, call from there; otherwise the gate is wrong and should not be paid`
  );
}

/** Why the gate's price cannot be paid, or null: a price must be a positive whole number of base units. */
export function priceProblem(price: unknown): string | null {
  const whole = typeof price === "bigint" || (typeof price === "number" && Number.isSafeInteger(price));
  if (!whole) return `the gate's price (${String(price)}) is not a whole number of base units: nothing was signed`;
  return BigInt(price) > 0n ? null : `the gate's price (${String(price)} base units) must be above 0: nothing was signed`;
}

/**
 * Why the gate's terms do not fit the channel chosen, or null: the price must be positive and the
 * terms' asset, payee and mint must be the channel's model, payee and mint.
 */
export function termsProblem(
  t: Pick<PaymentRequirements, "asset" | "payee" | "mint" | "pricePerCall">,
  c: { model: string; payee: string; mint: string },
): string | null {
  const price = priceProblem(t.pricePerCall);
  if (price) return price;
  if (t.asset !== c.model) return `the gate's terms are for the asset ${t.asset}, not this model (${c.model})`;
  if (t.payee !== c.payee) return `the gate is paid to ${t.payee}, but the channel pays ${c.payee}: choose a channel to this gate's provider`;
  if (t.mint !== c.mint) return `the gate is paid in the mint ${t.mint}, but the channel holds ${c.mint}`;
  return null;
}

/**
 * What is left to spend: the deposit less the highest of the settled total, what the gate
 * accepted and the highest voucher signed here (a signed voucher may be settled at any time).
 */
export function remainingOf(p: { deposit: bigint; settled: bigint; accepted: bigint | null; signed: bigint | null }): bigint {
  let spent = p.settled;
  if (p.accepted !== null && p.accepted > spent) spent = p.accepted;
  if (p.signed !== null && p.signed > spent) spent = p.signed;
  return p.deposit > spent ? p.deposit - spent : 0n;
}

export type CallOutcome =
  | {
      kind: "answer";
      status: number;
      body: string;
      /** X-Tessera-Accepted / X-Tessera-Remaining (base units), when the gate exposes them. */
      accepted: bigint | null;
      remaining: bigint | null;
      /** The gate answered a retry of the last paid call (X-Tessera-Retry): not charged again. */
      retry: boolean;
      attempts: number;
      voucher: StoredVoucher;
      /** The voucher was signed before (an unanswered call) and sent again. */
      reused: boolean;
    }
  | { kind: "payment_required"; status: number; reason: string; message: string; payment: PaymentRequirements | null; attempts: number; voucher: StoredVoucher }
  | { kind: "refused"; status: number; reason: string; message: string; attempts: number; voucher: StoredVoucher }
  | { kind: "failed"; message: string; attempts: number; voucher: StoredVoucher };

export interface CallParams {
  gate: string;
  model: string;
  channel: string;
  /** The RPC endpoint in use: the vouchers' storage is per cluster. */
  endpoint: string;
  deposit: bigint;
  settled: bigint;
  price: bigint;
  body: string;
  /** Signs the voucher for `cumulative` (expiry 0) with the wallet; resolves with its header value. */
  sign: (cumulative: bigint) => Promise<string>;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts with the same voucher (timeouts, network errors, 409 channel_busy). */
  maxAttempts: number;
  /** Called before each attempt (1, 2, …). */
  onAttempt?: (attempt: number, voucher: StoredVoucher) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const headerAmount = (h: string | null) => (h && /^\d+$/.test(h) ? BigInt(h) : null);

/**
 * Pays one call: reuses the highest voucher signed here if the gate has not accepted it yet,
 * else signs the next one (one price above the highest of the settled total and the kept voucher;
 * kept before it is sent), then POSTs `body` with it, retrying with the
 * same voucher on a timeout, a network error or 409.
 */
export async function payAndCall(p: CallParams, knownAccepted?: bigint): Promise<CallOutcome> {
  const kept = loadVoucher(p.endpoint, p.channel);
  const signed = kept ? BigInt(kept.cumulative) : null;
  const keptOrNone = () => kept ?? { channel: p.channel, cumulative: "0", expiry: "0", header: "", signedAt: 0 };
  const price = priceProblem(p.price);
  if (price) return { kind: "refused", status: 0, reason: "invalid_price", message: price, attempts: 0, voucher: keptOrNone() };
  let accepted = knownAccepted ?? 0n;
  if (knownAccepted === undefined) {
    try {
      const said = (await fetchGateChannel(p.gate, p.model, p.channel, p.timeoutMs)).accepted;
      if (Number.isSafeInteger(said) && said >= 0) accepted = BigInt(said);
    } catch {
      // The gate cannot tell (down, or it never saw the channel): rely on the chain and this browser.
    }
  }
  // The gate's accepted total only tells whether the kept voucher was accepted; it never raises
  // what is signed, and a gate claiming more than this browser signed is not paid.
  const claim = acceptedAboveSigned({ accepted, settled: p.settled, signed });
  if (claim) return { kind: "refused", status: 0, reason: "gate_accepted_above_signed", message: claim, attempts: 0, voucher: keptOrNone() };
  let voucher: StoredVoucher;
  let reused = false;
  if (kept && signed !== null && signed > accepted && signed > p.settled) {
    // Signed here, never accepted by the gate (its call went unanswered): the same voucher pays.
    voucher = kept;
    reused = true;
  } else {
    const cumulative = nextCumulative({ settled: p.settled, signed, price: p.price });
    if (cumulative > p.deposit) {
      const v = keptOrNone();
      return {
        kind: "refused",
        status: 0,
        reason: "deposit_exhausted",
        message: `the next voucher (${cumulative} base units) would exceed the deposit (${p.deposit}): top up the channel`,
        attempts: 0,
        voucher: v,
      };
    }
    const header = await p.sign(cumulative);
    voucher = { channel: p.channel, cumulative: cumulative.toString(), expiry: "0", header, signedAt: Date.now() };
    // Kept before it leaves the browser: a reload never signs this amount (or less) again.
    saveVoucher(p.endpoint, voucher);
  }

  let lastError = "";
  for (let attempt = 1; attempt <= p.maxAttempts; attempt++) {
    p.onAttempt?.(attempt, voucher);
    let res: Response;
    try {
      res = await fetch(`${p.gate}/v1/assets/${p.model}/infer`, {
        method: "POST",
        headers: { "content-type": "text/plain", "X-Tessera-Voucher": voucher.header },
        body: p.body,
        signal: AbortSignal.timeout(p.timeoutMs),
      });
    } catch (e) {
      const name = e instanceof Error ? e.name : "";
      lastError =
        name === "TimeoutError" || name === "AbortError"
          ? `no answer within ${p.timeoutMs / 1000} s`
          : `the gate could not be reached (${e instanceof Error ? e.message : String(e)})`;
      continue;
    }
    const text = await res.text();
    if (res.ok) {
      return {
        kind: "answer",
        status: res.status,
        body: text,
        accepted: headerAmount(res.headers.get("x-tessera-accepted")),
        remaining: headerAmount(res.headers.get("x-tessera-remaining")),
        retry: res.headers.get("x-tessera-retry") === "true",
        attempts: attempt,
        voucher,
        reused,
      };
    }
    let json: { reason?: string; error?: string; message?: string; payment?: PaymentRequirements; accepted?: number } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // not JSON (a proxy's page): quoted below
    }
    const reason = json.reason ?? json.error ?? `http_${res.status}`;
    const message = json.message ?? text.slice(0, 500);
    if (res.status === 409 || res.status === 502 || res.status === 503 || res.status === 504) {
      // Busy (the unanswered attempt still holds the channel) or the model failed: not charged,
      // the same voucher pays the next attempt.
      lastError = `${res.status} ${reason}: ${message}`;
      const after = Number(res.headers.get("retry-after") ?? "1");
      await sleep(Math.min(Math.max(Number.isFinite(after) ? after : 1, 0.2), 5) * 1000);
      continue;
    }
    if (res.status === 402 && reused && knownAccepted === undefined && (reason === "voucher_replayed" || reason === "voucher_stale")) {
      // The kept voucher was accepted after all (the gate could not be asked): the next one is one
      // price above it — unless the gate claims more than this browser signed (refused below).
      if (typeof json.accepted === "number" && Number.isSafeInteger(json.accepted) && json.accepted >= 0) {
        return payAndCall(p, BigInt(json.accepted));
      }
    }
    if (res.status === 402) {
      return { kind: "payment_required", status: 402, reason, message, payment: json.payment ?? null, attempts: attempt, voucher };
    }
    return { kind: "refused", status: res.status, reason, message, attempts: attempt, voucher };
  }
  return { kind: "failed", message: `${lastError} (${p.maxAttempts} attempts with the same voucher; it stays kept for the next call)`, attempts: p.maxAttempts, voucher };
}
