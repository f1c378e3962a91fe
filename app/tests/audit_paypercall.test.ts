// Audit of the browser's pay per call (src/lib/payPerCall.ts) against a MALICIOUS gate: the gate
// controls GET …/channels/<channel> (`accepted`), the 402 body and its terms (GET …/payment).
// These tests assert the fixed behaviour of the findings:
// - P1: what is signed is never above max(settled on chain, highest voucher signed here) + price;
//   a gate claiming it accepted more than that is refused, with both amounts named;
// - P2: a price of 0 or less is refused; terms whose asset, payee or mint are not the channel's are
//   refused (the Call box also never signs at a price the page has not shown: a browser concern).
// Part of `npm run test:unit`; run alone with
// `node --import tsx --import ./tests/anchor-esm.mjs --test tests/audit_paypercall.test.ts`.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Keypair } from "@solana/web3.js";

import { loadVoucher, payAndCall, priceProblem, saveVoucher, termsProblem } from "../src/lib/payPerCall.ts";

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

describe("audit: pay per call against a lying gate", () => {
  const g = globalThis as unknown as { localStorage: Storage; fetch: typeof fetch };
  const realFetch = g.fetch;
  const ENDPOINT = "http://127.0.0.1:8899";
  const MODEL = Keypair.generate().publicKey.toBase58();
  const CHANNEL = Keypair.generate().publicKey.toBase58();
  const DEPOSIT = 1_000_000n;
  const PRICE = 100n;

  function lyingGate(accepted: number | null, posts: (() => Response)[]) {
    const seen: string[] = [];
    g.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).includes("/channels/")) {
        if (accepted === null) throw new TypeError("fetch failed");
        return new Response(JSON.stringify({ accepted, required: 0, settled: 0, calls: 0, deposit: null, pricePerCall: 100 }));
      }
      seen.push(new Headers(init?.headers).get("X-Tessera-Voucher") ?? "");
      const next = posts.shift();
      if (!next) throw new Error("unexpected POST");
      return next();
    }) as typeof fetch;
    return seen;
  }
  const params = (signed: bigint[]) => ({
    gate: "http://127.0.0.1:1",
    model: MODEL,
    channel: CHANNEL,
    endpoint: ENDPOINT,
    deposit: DEPOSIT,
    settled: 0n,
    price: PRICE,
    body: "hi",
    timeoutMs: 200,
    maxAttempts: 1,
    sign: async (c: bigint) => {
      signed.push(c);
      return `voucher-${c}`;
    },
  });

  test("P1 fixed: a fresh channel whose gate says it accepted deposit - price: refused, nothing signed, both amounts named", async () => {
    g.localStorage = memoryStorage();
    const signed: bigint[] = [];
    const seen = lyingGate(Number(DEPOSIT - PRICE), [() => new Response("ok", { status: 200 })]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind, "refused");
      assert.equal(r.kind === "refused" && r.reason, "gate_accepted_above_signed");
      assert.match(r.kind === "refused" ? r.message : "", new RegExp(`accepted ${DEPOSIT - PRICE} base units.*\\(0 base units`));
      assert.deepEqual(signed, [], "nothing signed");
      assert.deepEqual(seen, [], "nothing sent");
      assert.equal(loadVoucher(ENDPOINT, CHANNEL), null);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("P1 fixed: with a kept voucher, a gate claiming more than it is refused; one claiming it (or less) gets one price above it", async () => {
    g.localStorage = memoryStorage();
    saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "300", expiry: "0", header: "voucher-300", signedAt: 1 });
    const signed: bigint[] = [];
    let seen = lyingGate(400, []);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind === "refused" && r.reason, "gate_accepted_above_signed");
      assert.match(r.kind === "refused" ? r.message : "", /accepted 400 base units.*\(300 base units/);
      assert.deepEqual(signed, []);
      assert.deepEqual(seen, []);
      // The gate's accepted equals the kept voucher: the next one is one price above it.
      seen = lyingGate(300, [() => new Response("ok", { status: 200 })]);
      const ok = await payAndCall(params(signed));
      assert.equal(ok.kind, "answer");
      assert.deepEqual(signed, [400n]);
      assert.deepEqual(seen, ["voucher-400"]);
      // The chain settled more than this browser signed (another device, settled): above the settled total.
      seen = lyingGate(5_000, [() => new Response("ok", { status: 200 })]);
      const settled = await payAndCall({ ...params(signed), settled: 5_000n });
      assert.equal(settled.kind, "answer");
      assert.deepEqual(signed, [400n, 5_100n]);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("P1 fixed via the 402 path: a kept unaccepted voucher, the gate unreachable for GET, then 402 voucher_stale with a made-up accepted: refused", async () => {
    g.localStorage = memoryStorage();
    saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "100", expiry: "0", header: "voucher-100", signedAt: 1 });
    const signed: bigint[] = [];
    const stale = () =>
      new Response(JSON.stringify({ reason: "voucher_stale", message: "stale", accepted: Number(DEPOSIT - PRICE) }), { status: 402 });
    const seen = lyingGate(null, [stale, () => new Response("ok", { status: 200 })]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind === "refused" && r.reason, "gate_accepted_above_signed");
      assert.match(r.kind === "refused" ? r.message : "", new RegExp(`accepted ${DEPOSIT - PRICE} base units.*\\(100 base units`));
      assert.deepEqual(signed, [], "nothing signed after the 100-unit voucher");
      assert.deepEqual(seen, ["voucher-100"], "only the kept voucher was sent");
      assert.equal(loadVoucher(ENDPOINT, CHANNEL)?.cumulative, "100");
    } finally {
      g.fetch = realFetch;
    }
  });

  test("honest 402 path: the kept voucher was accepted after all (voucher_replayed at its amount): one price above it", async () => {
    g.localStorage = memoryStorage();
    saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "100", expiry: "0", header: "voucher-100", signedAt: 1 });
    const signed: bigint[] = [];
    const replayed = () => new Response(JSON.stringify({ reason: "voucher_replayed", message: "replayed", accepted: 100 }), { status: 402 });
    const seen = lyingGate(null, [replayed, () => new Response("ok", { status: 200 })]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind, "answer");
      assert.deepEqual(signed, [200n]);
      assert.deepEqual(seen, ["voucher-100", "voucher-200"]);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("safe: the page never signs above the deposit it read on chain, whatever the gate says", async () => {
    g.localStorage = memoryStorage();
    const signed: bigint[] = [];
    lyingGate(Number(DEPOSIT), []);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind === "refused" && r.reason, "gate_accepted_above_signed");
      assert.deepEqual(signed, []);
      // This browser signed the whole deposit itself: the next call would exceed it.
      saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: DEPOSIT.toString(), expiry: "0", header: `voucher-${DEPOSIT}`, signedAt: 1 });
      lyingGate(Number(DEPOSIT), []);
      const d = await payAndCall(params(signed));
      assert.equal(d.kind === "refused" && d.reason, "deposit_exhausted");
      assert.deepEqual(signed, []);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("P2 fixed: a price of 0 or less (or not a whole number) is refused before anything is asked or signed", async () => {
    for (const price of [0n, -100n]) {
      g.localStorage = memoryStorage();
      const signed: bigint[] = [];
      const seen = lyingGate(0, [() => new Response("ok", { status: 200 })]);
      try {
        const r = await payAndCall({ ...params(signed), price });
        assert.equal(r.kind === "refused" && r.reason, "invalid_price");
        assert.deepEqual(signed, []);
        assert.deepEqual(seen, []);
      } finally {
        g.fetch = realFetch;
      }
    }
    assert.equal(priceProblem(100), null);
    assert.match(priceProblem(0) ?? "", /must be above 0/);
    assert.match(priceProblem(-1) ?? "", /must be above 0/);
    assert.match(priceProblem(0.5) ?? "", /not a whole number/);
    assert.match(priceProblem("100") ?? "", /not a whole number/);
  });

  test("P2/P4 fixed: the terms' asset, payee and mint must be the chosen channel's", () => {
    const payee = Keypair.generate().publicKey.toBase58();
    const mint = Keypair.generate().publicKey.toBase58();
    const other = Keypair.generate().publicKey.toBase58();
    const channel = { model: MODEL, payee, mint };
    const terms = { asset: MODEL, payee, mint, pricePerCall: 100 };
    assert.equal(termsProblem(terms, channel), null);
    assert.match(termsProblem({ ...terms, pricePerCall: 0 }, channel) ?? "", /must be above 0/);
    assert.match(termsProblem({ ...terms, asset: other }, channel) ?? "", /for the asset/);
    assert.match(termsProblem({ ...terms, payee: other }, channel) ?? "", new RegExp(`paid to ${other}, but the channel pays ${payee}`));
    assert.match(termsProblem({ ...terms, mint: other }, channel) ?? "", new RegExp(`mint ${other}, but the channel holds ${mint}`));
  });
});
