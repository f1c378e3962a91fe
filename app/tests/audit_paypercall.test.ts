// Audit of the browser's pay per call (src/lib/payPerCall.ts) against a MALICIOUS gate: the gate
// controls GET …/channels/<channel> (`accepted`) and the 402 body. These tests pin today's
// behaviour of the findings (they pass while the finding stands):
// run with `node --import tsx --import ./tests/anchor-esm.mjs --test tests/audit_paypercall.test.ts`.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Keypair } from "@solana/web3.js";

import { loadVoucher, payAndCall, saveVoucher } from "../src/lib/payPerCall.ts";

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

  test("P1: the first call of a fresh channel signs the WHOLE deposit when the gate says it accepted deposit - price", async () => {
    g.localStorage = memoryStorage();
    const signed: bigint[] = [];
    const seen = lyingGate(Number(DEPOSIT - PRICE), [() => new Response("ok", { status: 200 })]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind, "answer");
      // Nothing was ever signed on this channel, nothing settled: one call should cost PRICE.
      assert.deepEqual(signed, [DEPOSIT], "the wallet signed a voucher for the whole deposit");
      assert.deepEqual(seen, [`voucher-${DEPOSIT}`]);
    } finally {
      g.fetch = realFetch;
    }
  });

  test("P1 via the 402 path: a kept unaccepted voucher, the gate unreachable for GET, then 402 voucher_stale with a made-up accepted", async () => {
    g.localStorage = memoryStorage();
    saveVoucher(ENDPOINT, { channel: CHANNEL, cumulative: "100", expiry: "0", header: "voucher-100", signedAt: 1 });
    const signed: bigint[] = [];
    const stale = () =>
      new Response(JSON.stringify({ reason: "voucher_stale", message: "stale", accepted: Number(DEPOSIT - PRICE) }), { status: 402 });
    lyingGate(null, [stale, () => new Response("ok", { status: 200 })]);
    try {
      const r = await payAndCall(params(signed));
      assert.equal(r.kind, "answer");
      assert.deepEqual(signed, [DEPOSIT], "signed the whole deposit after only a 100-unit voucher");
      assert.equal(loadVoucher(ENDPOINT, CHANNEL)?.cumulative, DEPOSIT.toString());
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
      assert.equal(r.kind === "refused" && r.reason, "deposit_exhausted");
      assert.deepEqual(signed, []);
    } finally {
      g.fetch = realFetch;
    }
  });
});
