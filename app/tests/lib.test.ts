// The app's pure helpers (src/lib), without a browser or a validator: amounts, the royalties
// formula against the program's rules, error decoding from the IDLs, the local-only check, the
// local wallet's signMessage and the pay-per-call vouchers (kept, reused, retried).

import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { describe, test } from "node:test";

import { BN } from "@anchor-lang/core";
import { Keypair, PublicKey } from "@solana/web3.js";

import type { Asset, EscrowConfig, Job, Split } from "../src/lib/accounts.ts";
import { formatUnits, parseUnits, tryParseUnits } from "../src/lib/amounts.ts";
import { explorerTxUrl, isLocalEndpoint } from "../src/lib/cluster.ts";
import { decodeThrown, decodeTransactionError } from "../src/lib/errors.ts";
import { durationGuard } from "../src/lib/instructions.ts";
import { allowedActions, deadlineOf, jobTerms, slashAtStake } from "../src/lib/jobs.ts";
import { LocalKeypairWalletAdapter, parseSecretKey, storeKeypair } from "../src/lib/localWallet.ts";
import { loadVoucher, nextCumulative, normalizeGateUrl, payAndCall, remainingOf, saveVoucher } from "../src/lib/payPerCall.ts";
import {
  ESCROW_PROGRAM_ID as ESCROW_ID,
  REGISTRY_PROGRAM_ID as REGISTRY_ID,
  ROYALTIES_PROGRAM_ID as ROYALTIES_ID,
  voucherMessage,
} from "@tessera/sdk";
import { owedTo } from "../src/lib/royalties.ts";

describe("amounts", () => {
  test("format and parse in UI units with the mint's decimals, exactly", () => {
    assert.equal(formatUnits(2_500_000n, 6), "2.5");
    assert.equal(formatUnits(975_000n, 6), "0.975");
    assert.equal(formatUnits(1n, 9), "0.000000001");
    assert.equal(formatUnits(18_446_744_073_709_551_615n, 6), "18446744073709.551615");
    assert.equal(formatUnits(42n, 0), "42");
    assert.equal(parseUnits("2.5", 6), 2_500_000n);
    assert.equal(parseUnits(".5", 6), 500_000n);
    assert.equal(parseUnits("3.", 6), 3_000_000n);
    assert.equal(parseUnits("18446744073709.551615", 6), 18_446_744_073_709_551_615n);
    assert.throws(() => parseUnits("1.0000001", 6), /more than 6 decimal places/);
    assert.throws(() => parseUnits("-1", 6), /not a non-negative decimal/);
    assert.throws(() => parseUnits("1e3", 6), /not a non-negative decimal/);
    assert.equal(tryParseUnits("", 6), null);
  });
});

describe("royalties: what a split owes (tessera-royalties Split::owed_at)", () => {
  const a = Keypair.generate().publicKey;
  const b = Keypair.generate().publicKey;
  const split = (entries: [PublicKey, number, number, number][], received: number, epochStart = 0) =>
    ({
      totalReceived: new BN(received),
      epochStart: new BN(epochStart),
      entries: entries.map(([address, bps, settled, claimed]) => ({
        address,
        bps,
        settled: new BN(settled),
        claimedInEpoch: new BN(claimed),
      })),
    }) as unknown as Split;

  test("floor(pool × bps / 10,000) + settled − claimed in the epoch", () => {
    const s = split([[a, 7000, 0, 0], [b, 3000, 0, 0]], 4_875_001);
    assert.equal(owedTo(s, a), 3_412_500n); // floor(3,412,500.7)
    assert.equal(owedTo(s, b), 1_462_500n); // floor(1,462,500.3)
    assert.equal(owedTo(s, Keypair.generate().publicKey), 0n);
  });

  test("only the current epoch's pool, plus what was settled before the last update", () => {
    const s = split([[a, 5000, 400_000, 100_000], [b, 0, 250_000, 0]], 3_000_001, 2_000_000);
    assert.equal(owedTo(s, a), 400_000n + 500_000n - 100_000n);
    assert.equal(owedTo(s, b), 250_000n); // removed recipient: its settled balance only
  });
});

describe("errors, named from the IDLs", () => {
  const programs = [REGISTRY_ID];

  test("a custom code of the top-level program", () => {
    const e = decodeTransactionError({ InstructionError: [0, { Custom: 6028 }] }, [], programs);
    assert.deepEqual([e.name, e.program, e.code], ["PriceAboveLimit", "registry", 6028]);
    assert.equal(e.message, "The asset's price is above the buyer's max unit price");
  });

  test("a code raised in a CPI is named after the program the logs say failed", () => {
    const logs = [
      `Program ${REGISTRY_ID.toBase58()} invoke [1]`,
      `Program ${ROYALTIES_ID.toBase58()} invoke [2]`,
      `Program ${ROYALTIES_ID.toBase58()} failed: custom program error: 0x1771`,
      `Program ${REGISTRY_ID.toBase58()} failed: custom program error: 0x1771`,
    ];
    const e = decodeTransactionError({ InstructionError: [0, { Custom: 6001 }] }, logs, programs);
    assert.deepEqual([e.name, e.program], ["TooManyRecipients", "royalties"]);
  });

  test("Anchor's own errors below 6000, and the same code in another program", () => {
    const e = decodeTransactionError({ InstructionError: [0, { Custom: 3012 }] }, [], [ESCROW_ID]);
    assert.deepEqual([e.name, e.program], ["AccountNotInitialized", "anchor"]);
    const escrowErr = decodeTransactionError({ InstructionError: [0, { Custom: 6028 }] }, [], [ESCROW_ID]);
    assert.equal(escrowErr.name, "DeliveryDeadlinePassed");
  });

  test("a thrown RPC error carrying the code in its message", () => {
    const err = new Error("Transaction simulation failed: Error processing Instruction 1: custom program error: 0x1775");
    const e = decodeThrown(err, [new PublicKey("11111111111111111111111111111111"), ROYALTIES_ID]);
    assert.deepEqual([e.name, e.program], ["NothingToClaim", "royalties"]);
  });
});

describe("local keypair wallet", () => {
  test("only a validator on this machine", () => {
    assert.equal(isLocalEndpoint("http://127.0.0.1:8899"), true);
    assert.equal(isLocalEndpoint("http://localhost:8999"), true);
    assert.equal(isLocalEndpoint("https://api.devnet.solana.com"), false);
    assert.equal(isLocalEndpoint("http://127.0.0.1.example.org:8899"), false);
    assert.equal(isLocalEndpoint("not a url"), false);
  });

  test("a Solana CLI keypair file's JSON byte array", () => {
    const kp = Keypair.generate();
    assert.equal(parseSecretKey(JSON.stringify(Array.from(kp.secretKey))).publicKey.toBase58(), kp.publicKey.toBase58());
    assert.throws(() => parseSecretKey("[1,2,3]"), /64 bytes/);
    assert.throws(() => parseSecretKey("nope"), /Not JSON/);
  });

  test("explorer links follow the cluster", () => {
    assert.equal(explorerTxUrl("sig", "https://api.devnet.solana.com"), "https://explorer.solana.com/tx/sig?cluster=devnet");
    assert.equal(
      explorerTxUrl("sig", "http://127.0.0.1:8899"),
      "https://explorer.solana.com/tx/sig?cluster=custom&customUrl=http%3A%2F%2F127.0.0.1%3A8899",
    );
  });
});

describe("jobs: the terms a provider sees and sends as accept_job's guards", () => {
  test("the slash at stake is min(slash_bps × bond, max_slash_fee_multiple × fee), rounded down", () => {
    assert.equal(slashAtStake(2_000_000n, 2_000_000n, 1_000, 2), 200_000n); // by the bond
    assert.equal(slashAtStake(1n, 10_000_000n, 2_000, 10), 10n); // by the fee: a 1-unit job risks 10 units
    assert.equal(slashAtStake(500_000n, 10_000_000n, 2_000, 2), 1_000_000n);
    assert.equal(slashAtStake(2_000_000n, 3n, 3_333, 1), 0n);
    assert.equal(slashAtStake(5n, 100n, 5_000, 0), 0n);
  });

  const arbiter = Keypair.generate().publicKey;
  const jobArbiter = Keypair.generate().publicKey;
  const config = { slashBps: 1_000, maxSlashFeeMultiple: 2, disputeWindow: 600, arbiter } as unknown as EscrowConfig;
  const job = (state: string, extra: Record<string, unknown> = {}) =>
    ({
      state: { [state]: {} },
      inputCommitment: Array(32).fill(7),
      fundedAt: new BN(900),
      fee: new BN(2_000_000),
      acceptDeadline: new BN(1_000),
      deliveryWindow: 900,
      deliveryDeadline: new BN(state === "open" ? 0 : 2_000),
      challengeWindow: 1_200,
      challengeDeadline: new BN(state === "delivered" || state === "disputed" ? 3_000 : 0),
      disputeDeadline: new BN(state === "disputed" ? 4_000 : 0),
      slashAmount: new BN(state === "open" ? 0 : 300_000),
      disputeWindow: state === "open" ? 0 : 60,
      arbiter: state === "open" ? PublicKey.default : jobArbiter,
      ...extra,
    }) as unknown as Job;

  test("an open job: the provider's quote from its bond; the consumer sees the cap", () => {
    const t = jobTerms(job("open"), config, 2_000_000n);
    assert.deepEqual(
      [t.fee, t.deliveryWindow, t.challengeWindow, t.slash, t.slashFixed, t.slashCap, t.disputeWindow],
      [2_000_000n, 900, 1_200, 200_000n, false, 4_000_000n, 600],
    );
    const c = jobTerms(job("open"), config, null);
    assert.equal(c.slash, null);
    assert.deepEqual([t.inputCommitment, t.fundedAt], [Array(32).fill(7), 900n]);
    assert.equal(t.arbiter?.toBase58(), arbiter.toBase58());
    assert.equal(c.slashCap, 4_000_000n);
  });

  test("an accepted job: the slash and the dispute window fixed on it, whatever the config says now", () => {
    const t = jobTerms(job("accepted"), { ...config, slashBps: 5_000, disputeWindow: 9 } as EscrowConfig, 99_000_000n);
    assert.deepEqual([t.slash, t.slashFixed, t.slashCap, t.disputeWindow], [300_000n, true, null, 60]);
    assert.equal(t.arbiter?.toBase58(), jobArbiter.toBase58());
  });

  test("a disputed job: the arbiter's deadline, then anyone settles", () => {
    assert.deepEqual(deadlineOf(job("disputed")), { label: "arbiter's deadline", at: 4_000 });
    assert.equal(allowedActions(job("disputed"), "consumer", 3_999, false).settle, false);
    assert.equal(allowedActions(job("disputed"), "consumer", 4_000, false).settle, true);
    assert.equal(allowedActions(job("delivered"), "consumer", 4_000, false).settle, false);
  });

  test("the buy duration guard: the duration shown, or perpetual only for a perpetual asset", () => {
    assert.equal(durationGuard({ accessDuration: new BN(3_600) } as unknown as Asset), 3_600n);
    assert.equal(durationGuard({ accessDuration: new BN(0) } as unknown as Asset), 18_446_744_073_709_551_615n);
  });
});

// ---------------------------------------------------------------------------------------------
// Pay per call: the local wallet's signMessage, the vouchers kept in storage, and the retry of
// a call with the same voucher (src/lib/payPerCall.ts), against a stubbed gate.

/** A Map-backed localStorage (Node has none). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k: string) => m.get(k) ?? null,
    key: (i: number) => [...m.keys()][i] ?? null,
    removeItem: (k: string) => void m.delete(k),
    setItem: (k: string, v: string) => void m.set(k, String(v)),
  };
}

describe("pay per call", () => {
  const g = globalThis as unknown as { localStorage: Storage; fetch: typeof fetch };
  const realFetch = g.fetch;
  const GATE = "http://127.0.0.1:1";
  const ENDPOINT = "http://127.0.0.1:8899";
  const MODEL = Keypair.generate().publicKey.toBase58();
  const CHANNEL = Keypair.generate().publicKey.toBase58();

  test("the local keypair wallet signs a voucher message with ed25519 (verified by Node's crypto)", async () => {
    g.localStorage = memoryStorage();
    const kp = Keypair.generate();
    storeKeypair(kp);
    const wallet = new LocalKeypairWalletAdapter(() => ENDPOINT);
    await wallet.connect();
    const message = voucherMessage(new PublicKey(CHANNEL), 2_991n, 0n);
    assert.equal(message.length, 50);
    const signature = await wallet.signMessage(message);
    assert.equal(signature.length, 64);
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), kp.publicKey.toBuffer()]);
    const key = createPublicKey({ key: spki, format: "der", type: "spki" });
    assert.equal(verify(null, message, key, Buffer.from(signature)), true);
    // Refused off this machine's validator, like its transactions.
    const remote = new LocalKeypairWalletAdapter(() => "https://api.devnet.solana.com");
    (remote as unknown as { keypair: Keypair }).keypair = kp;
    await assert.rejects(remote.signMessage(message), /works only with a validator on this machine/);
  });

  test("the kept voucher never goes down; the next one is one price above the highest of settled and signed (never the gate's accepted)", () => {
    g.localStorage = memoryStorage();
    const v = (c: bigint) => ({ channel: CHANNEL, cumulative: c.toString(), expiry: "0", header: `h${c}`, signedAt: 1 });
    saveVoucher(ENDPOINT, v(300n));
    saveVoucher(ENDPOINT, v(200n));
    saveVoucher(ENDPOINT, v(300n));
    assert.equal(loadVoucher(ENDPOINT, CHANNEL)?.header, "h300");
    assert.equal(loadVoucher("http://127.0.0.1:8999", CHANNEL), null, "per cluster");
    assert.equal(nextCumulative({ settled: 50n, signed: 300n, price: 100n }), 400n);
    assert.equal(nextCumulative({ settled: 700n, signed: null, price: 100n }), 800n);
    assert.equal(nextCumulative({ settled: 700n, signed: 300n, price: 100n }), 800n);
    assert.equal(remainingOf({ deposit: 6_000n, settled: 0n, accepted: 1_994n, signed: 2_991n }), 3_009n);
    assert.equal(remainingOf({ deposit: 6_000n, settled: 2_991n, accepted: null, signed: null }), 3_009n);
    assert.equal(remainingOf({ deposit: 1_000n, settled: 0n, accepted: 2_000n, signed: null }), 0n);
    assert.equal(normalizeGateUrl(" http://127.0.0.1:8080/ "), "http://127.0.0.1:8080");
    assert.equal(normalizeGateUrl("ftp://x"), null);
  });

  /** A stub gate: GET …/channels/… answers `accepted`; each POST is answered by the next handler. */
  function stubGate(accepted: number | null, posts: ((init: RequestInit) => Promise<Response>)[]) {
    const seen: string[] = [];
    g.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (url.includes("/channels/")) {
        if (accepted === null) throw new TypeError("fetch failed");
        return new Response(JSON.stringify({ accepted, required: accepted + 100, settled: 0, calls: 0, deposit: 1_000, pricePerCall: 100 }));
      }
      const headers = new Headers(init?.headers);
      seen.push(headers.get("X-Tessera-Voucher") ?? "");
      const next = posts.shift();
      if (!next) throw new Error("unexpected POST");
      return next(init ?? {});
    }) as typeof fetch;
    return seen;
  }
  const hang = (init: RequestInit) =>
    new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
  const answer = (body: string, accepted: number) => async () =>
    new Response(body, { status: 200, headers: { "x-tessera-accepted": String(accepted), "x-tessera-remaining": String(1_000 - accepted) } });
  const refusal = (status: number, reason: string, extra: object = {}) => async () =>
    new Response(JSON.stringify({ error: reason, reason, message: reason, ...extra }), { status, headers: { "retry-after": "0" } });

  const params = (signed: bigint[]) => ({
    gate: GATE,
    model: MODEL,
    channel: CHANNEL,
    endpoint: ENDPOINT,
    deposit: 1_000n,
    settled: 0n,
    price: 100n,
    body: "hi",
    timeoutMs: 200,
    maxAttempts: 5,
    sign: async (c: bigint) => {
      signed.push(c);
      return `voucher-${c}`;
    },
  });

  test("a call that times out, then finds the channel busy, is sent again with the SAME voucher", async () => {
    g.localStorage = memoryStorage();
    const signed: bigint[] = [];
    const seen = stubGate(0, [hang, refusal(409, "channel_busy"), answer("HI", 100)]);
    // AbortSignal.timeout's timer does not keep Node's event loop alive: this does.
    const alive = setInterval(() => {}, 50);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind, "answer");
      assert.equal(r.kind === "answer" && r.body, "HI");
      assert.equal(r.kind === "answer" && r.accepted, 100n);
      assert.equal(r.attempts, 3);
      assert.deepEqual(signed, [100n], "one voucher signed");
      assert.deepEqual(seen, ["voucher-100", "voucher-100", "voucher-100"]);
      assert.equal(loadVoucher(ENDPOINT, CHANNEL)?.cumulative, "100");
    } finally {
      clearInterval(alive);
      g.fetch = realFetch;
    }
  });

  test("a kept voucher the gate has not accepted pays the next call (after a reload); an accepted one is followed by a higher one", async () => {
    g.localStorage = memoryStorage();
    saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "200", expiry: "0", header: "voucher-200", signedAt: 1 });
    const signed: bigint[] = [];
    let seen = stubGate(100, [answer("A", 200)]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind === "answer" && r.reused, true);
      assert.deepEqual(signed, []);
      assert.deepEqual(seen, ["voucher-200"]);
      seen = stubGate(200, [answer("B", 300)]);
      await payAndCall(params(signed));
      assert.deepEqual(signed, [300n]);
      assert.deepEqual(seen, ["voucher-300"]);
      // The gate cannot be asked and the kept voucher was accepted after all: replayed, then the next one.
      seen = stubGate(null, [refusal(402, "voucher_replayed", { accepted: 300 }), answer("C", 400)]);
      const c = await payAndCall(params(signed));
      assert.equal(c.kind, "answer");
      assert.deepEqual(signed, [300n, 400n]);
      assert.deepEqual(seen, ["voucher-300", "voucher-400"]);
      // Beyond the deposit nothing is signed.
      g.localStorage = memoryStorage();
      saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "950", expiry: "0", header: "voucher-950", signedAt: 1 });
      stubGate(950, []);
      const d = await payAndCall(params(signed));
      assert.equal(d.kind === "refused" && d.reason, "deposit_exhausted");
      assert.deepEqual(signed, [300n, 400n]);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("a 402 comes back with the gate's payment requirements", async () => {
    g.localStorage = memoryStorage();
    stubGate(0, [refusal(402, "deposit_too_small", { payment: { scheme: "tessera-channel-v1", pricePerCall: 100 } })]);
    try {
      const r = await payAndCall(params([]));
      assert.equal(r.kind, "payment_required");
      assert.equal(r.kind === "payment_required" && r.reason, "deposit_too_small");
      assert.equal(r.kind === "payment_required" && r.payment?.pricePerCall, 100);
    } finally {
      g.fetch = realFetch;
    }
  });
});
