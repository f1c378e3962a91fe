// The buyer's app (issue 18), signed through a Wallet Standard wallet registered in the page
// (tests/walletStandard.ts: discovered by the app's wallet adapter as Phantom would be; not the
// Local keypair wallet):
// - first, without the validator: the SDK's gate client (sdk/src/gate.ts) against the bytes the
//   Rust CLI produces (`tessera access sign`, below);
// - a buyer connects with the wallet, buys a dataset's pass on its page, downloads the file from
//   the real gate (`tessera serve --file … --cors-origin <the app>`) through a proxy that cuts the
//   first transfer after 300 kB: the page resumes with a range request and the session token (one
//   signature in all), shows the progress and "SHA-256 matches the on-chain content hash"; the
//   saved bytes' SHA-256 is checked here;
// - buys a model's pass and sends a request with "Try it" (`tessera serve --upstream …`);
// - "My access" lists both passes (expiry countdown, perpetual, tokens held);
// - the publisher revokes the dataset pass (SDK): Download is refused with the gate's
//   `pass_revoked`, and My access shows the pass revoked.
// Screenshots go to app/test-output/ (30-… to 36-…).
//
// The Rust vectors: `tessera --keypair K access sign 7777777777777777777777777777777777777777777
// --domain data.example.org --nonce 0123…cdef (80 hex digits) --expires 1764000000` and the same
// with `--domain 127.0.0.1:8080 --nonce "n-ü 1"` (`--output json`), K the keypair of seed
// [42; 32] (address 2iXtA8oeZqUU5pofxK971TCEvFGfems2AcDRaZHKD2pQ); ed25519 is deterministic,
// so a signature equal to the CLI's proves the message bytes equal `proof::message`'s.

import assert from "node:assert/strict";
import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";

import { Keypair, PublicKey } from "@solana/web3.js";
import {
  GateRefusal,
  accessMessage,
  accessMessageBytes,
  decodeRefusal,
  fetchChallenge,
  gateDomains,
  parseContentRange,
  proofHeaders,
  publishFlow,
  revokePassInstruction,
  sessionHeaders,
  sessionOf,
  signAccess,
} from "@tessera/sdk";

import { type Suite, type WalletPage, eventually, goto, screenshot, setUpSuite, text, txOutcome, waitForText } from "./browser.ts";
import { APP_URL, RPC_URL, USDC, type World, connection, passAddress, registry, send, sha256 } from "./chain.ts";
import { TESSERA_BIN, type Upstream, startUpstream } from "./gate.ts";
import { TEST_WALLET_NAME, walletLog } from "./walletStandard.ts";

/** A wallet-adapter style `signMessage` of a keypair (Node's ed25519). */
function signMessageOf(kp: Keypair) {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(kp.secretKey.subarray(0, 32))]);
  const key = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return async (message: Uint8Array) => new Uint8Array(crypto.sign(null, Buffer.from(message), key));
}

describe("gate client: the Rust CLI's bytes", () => {
  const signer = Keypair.fromSeed(Buffer.alloc(32, 42));
  const asset = "7777777777777777777777777777777777777777777";
  const nonce = "0123456789abcdef".repeat(5);
  const RUST_SIGNATURE = "2LkZRYXoxTUbDy6YNf6ow5Ua2SV9voUuHEJbtCq5K7oxrgTyFXcNFBBFsTai9zsMx3HeEuWQjaDT1oL8FEghUghg";
  const RUST_SIGNATURE_UTF8 = "yUSQEJ3PrmpA5ri7FvSS7veM88GXABZXKgHsQKbpwboyXAt4WJdq8Lhgcp3K2Z5DGHcNhCdWGrBNcdt5dif12St";

  test("the message is proof::message's five lines, no trailing newline", () => {
    assert.equal(signer.publicKey.toBase58(), "2iXtA8oeZqUU5pofxK971TCEvFGfems2AcDRaZHKD2pQ");
    const m = accessMessage("data.example.org", new PublicKey(asset), nonce, 1_764_000_000);
    assert.equal(m, `tessera-access-v1\ndomain: data.example.org\nasset: ${asset}\nnonce: ${nonce}\nexpires: 1764000000`);
    assert.equal(accessMessage("d", asset, "n", 1_764_000_000n), accessMessage("d", new PublicKey(asset), "n", 1_764_000_000));
    assert.deepEqual(Array.from(accessMessageBytes("d", asset, "ü", 1)), Array.from(Buffer.from(accessMessage("d", asset, "ü", 1), "utf8")));
  });

  test("signing here gives the CLI's proof headers byte for byte (ASCII and UTF-8 nonces)", async () => {
    const sign = signMessageOf(signer);
    const p = await signAccess(sign, {
      holder: signer.publicKey,
      asset,
      challenge: { domain: "data.example.org", nonce, expiresAt: 1_764_000_000 },
    });
    assert.deepEqual(proofHeaders(p), {
      "X-Tessera-Holder": "2iXtA8oeZqUU5pofxK971TCEvFGfems2AcDRaZHKD2pQ",
      "X-Tessera-Nonce": nonce,
      "X-Tessera-Signature": RUST_SIGNATURE,
    });
    const q = await signAccess(sign, {
      holder: signer.publicKey,
      asset: new PublicKey(asset),
      challenge: { domain: "127.0.0.1:8080", nonce: "n-ü 1", expiresAt: 1_764_000_000 },
    });
    assert.equal(q.signature, RUST_SIGNATURE_UTF8);
    assert.equal(proofHeaders(q, "5ig")["X-Tessera-Redeem"], "5ig");
    await assert.rejects(signAccess(async () => new Uint8Array(63), { holder: signer.publicKey, asset, challenge: { domain: "d", nonce, expiresAt: 1 } }));
  });

  test("sessions, refusals, ranges and domains", async () => {
    assert.deepEqual(sessionHeaders("v1.abc"), { Authorization: "Bearer v1.abc" });
    assert.deepEqual(sessionOf(new Headers({ "x-tessera-session": "v1.t", "x-tessera-session-expires": "1700" })), { token: "v1.t", expiresAt: 1700 });
    assert.equal(sessionOf(new Headers({ "x-tessera-session": "v1.t" })), null);
    const refusal = await decodeRefusal(
      new Response(JSON.stringify({ error: "pass_revoked", message: "the pass was revoked" }), { status: 403 }),
    );
    assert.ok(refusal instanceof GateRefusal);
    assert.deepEqual([refusal.status, refusal.code, refusal.detail, refusal.reason], [403, "pass_revoked", "the pass was revoked", "PassRevoked"]);
    const session = await decodeRefusal(new Response(JSON.stringify({ error: "session_expired", message: "m" }), { status: 401 }));
    assert.equal(session.sessionRefused, true);
    const busy = await decodeRefusal(new Response("{}", { status: 503, headers: { "retry-after": "2" } }));
    assert.deepEqual([busy.code, busy.retryAfter], [null, 2]);
    assert.deepEqual(parseContentRange("bytes 300-999/1000"), { start: 300, total: 1000 });
    assert.deepEqual(parseContentRange("bytes */1000"), { start: null, total: 1000 });
    assert.equal(parseContentRange("items 0-1/2"), null);
    assert.deepEqual(gateDomains("https://data.example.org/"), ["data.example.org", "data.example.org:443"]);
    assert.deepEqual(gateDomains("http://127.0.0.1:8080"), ["127.0.0.1", "127.0.0.1:8080"]);
  });
});

/** A `tessera serve` access gate (no metering) on a free port; resolves once it prints its start line. */
interface AccessGate {
  url: string;
  stop: () => Promise<void>;
  log: () => string;
}

async function startAccessGate(asset: PublicKey, what: { file: string } | { upstream: string }): Promise<AccessGate> {
  if (!fs.existsSync(TESSERA_BIN)) throw new Error(`${TESSERA_BIN} is missing: build it or set TESSERA_BIN`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-app-buyer-gate-"));
  const args = ["--url", RPC_URL, "serve", "--bind", "127.0.0.1:0", "--domain", "127.0.0.1", "--asset", asset.toBase58()];
  if ("file" in what) args.push("--file", what.file);
  else args.push("--upstream", what.upstream);
  args.push("--data-dir", path.join(dir, "data"), "--cors-origin", new URL(APP_URL).origin);
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(TESSERA_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-100_000);
  });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gate did not start within 60 s: ${stderr.slice(-2_000)}`)), 60_000);
    readline.createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the gate exited (${code}) before starting: ${stderr.slice(-2_000)}`));
    });
  });
  const bound = /on http:\/\/([0-9.]+:\d+)/.exec(first);
  if (!bound) throw new Error(`no address in the gate's start line: ${first}`);
  return {
    url: `http://${bound[1]}`,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy in front of the gate that closes the connection carrying the first whole-file data
 * request (GET …/data without Range) after `cutAfter` bytes of its answer: an interrupted transfer.
 */
async function startCuttingProxy(target: string, cutAfter: number): Promise<{ url: string; cuts: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let armed = false;
    let cut = false;
    let sent = 0;
    client.on("data", (chunk: Buffer) => {
      const head = chunk.toString("latin1");
      if (cuts === 0 && /^GET \/v1\/assets\/\w+\/data /.test(head) && !/\r\nrange:/i.test(head)) armed = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (cut) return;
      if (!armed) return void client.write(chunk);
      const room = cutAfter - sent;
      sent += chunk.length;
      if (room > chunk.length) return void client.write(chunk);
      armed = false;
      cut = true;
      cuts += 1;
      upstream.pause();
      // Closed a moment after the last byte: the browser reads what it received before it sees
      // the connection end (closed at once, a loaded machine's Chromium could report the error
      // before the page read a byte, and the page then started over instead of resuming).
      client.write(chunk.subarray(0, Math.max(0, room)), () => {
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 1_000);
      });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: p } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${p}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const ACCESS_DURATION = 3_600;
const FILE_BYTES = 2 * 1024 * 1024 + 12_345;
const CUT_AFTER = 300_000;

describe("The buyer's app, through a wallet-standard wallet", { concurrency: false }, () => {
  let suite: Suite;
  let w: World;
  let upstream: Upstream;
  let dataGate: AccessGate;
  let modelGate: AccessGate;
  let proxy: Awaited<ReturnType<typeof startCuttingProxy>>;
  const publisher = Keypair.generate();
  const dora = Keypair.generate(); // the buyer
  let doraPage: WalletPage;
  let dataset: PublicKey;
  let model: PublicKey;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-app-buyer-"));
  const file = path.join(workDir, "corpus.bin");
  const fileBytes = crypto.randomBytes(FILE_BYTES);
  const fileHash = sha256(fileBytes);

  const publish = async (kind: "dataset" | "model", name: string, contentHash: Uint8Array, accessDuration: number) => {
    const published = await publishFlow(connection, {
      publisher: publisher.publicKey,
      paymentMint: w.usdc,
      args: {
        kind,
        contentHash,
        uri: `ar://tessera-app-buyer/${name}`,
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price: USDC,
        maxSupply: 0,
        accessDuration,
        inferenceRoyaltyBps: 0,
        inferenceGated: false,
        parents: [],
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      },
    });
    await send(published.instructions, [publisher]);
    return published.asset;
  };

  before(async () => {
    fs.writeFileSync(file, fileBytes);
    suite = await setUpSuite({ sol: [[publisher, 2], [dora, 2]], usdc: [[dora, 10n * USDC]] });
    w = suite.w;
    dataset = await publish("dataset", "corpus.bin", fileHash, ACCESS_DURATION);
    model = await publish("model", "echo-model", sha256(`echo ${Date.now()} ${Math.random()}`), 0);
    upstream = await startUpstream();
    dataGate = await startAccessGate(dataset, { file });
    modelGate = await startAccessGate(model, { upstream: upstream.url });
    proxy = await startCuttingProxy(dataGate.url, CUT_AFTER);
  });

  after(async () => {
    await suite?.close();
    await proxy?.close();
    await dataGate?.stop();
    await modelGate?.stop();
    await upstream?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** The asset page's "Your access" card (its own transaction status). */
  const accessCard = () => doraPage.page.locator("section.card", { has: doraPage.page.getByTestId("buy-button") });

  async function buyOnPage(asset: PublicKey): Promise<void> {
    const { page } = doraPage;
    await goto(page, `/asset/${asset.toBase58()}`);
    await page.getByTestId("buy-quantity").fill("1");
    await eventually("the buy button", () => page.getByTestId("buy-button").isEnabled());
    await page.getByTestId("buy-button").click();
    const o = await txOutcome(accessCard());
    assert.equal(o.state, "success", o.text);
  }

  /**
   * Waits until the gate serves dora's new pass to a proof sent from here (the gate's live view
   * follows the chain by websocket, within about a second of the purchase).
   */
  async function waitUntilGranted(gate: string, asset: PublicKey, what: "data" | "infer"): Promise<void> {
    await eventually(
      "the gate to serve the new pass",
      async () => {
        const challenge = await fetchChallenge(gate, asset, { expectDomain: ["127.0.0.1"] });
        const proof = await signAccess(signMessageOf(dora), { holder: dora.publicKey, asset, challenge });
        const url = `${gate}/v1/assets/${asset.toBase58()}/${what}`;
        const res =
          what === "data"
            ? await fetch(url, { headers: { ...proofHeaders(proof), Range: "bytes=0-0" } })
            : await fetch(url, { method: "POST", headers: proofHeaders(proof), body: "probe" });
        await res.arrayBuffer();
        return res.ok;
      },
      30_000,
    );
  }

  test("dora connects with the wallet-standard wallet (discovered by the adapter, not the Local keypair)", async () => {
    doraPage = await suite.open("dora", dora);
    const { page } = doraPage;
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem("walletName") ?? "null")), TEST_WALLET_NAME);
    assert.equal((await walletLog(page)).connects >= 1, true);
    await screenshot(page, "30-buyer-wallet-standard-connected");
  });

  test("dora buys the dataset's pass on its page, signed by the wallet-standard wallet", async () => {
    await buyOnPage(dataset);
    const { page } = doraPage;
    assert.ok((await walletLog(page)).signedTransactions >= 1);
    await waitForText(page.getByTestId("pass-status"), "the pass", (t) => t.startsWith("valid until"));
    assert.ok(await connection.getAccountInfo(passAddress(dataset, dora.publicKey), "confirmed"));
    await waitUntilGranted(dataGate.url, dataset, "data");
  });

  test("Download: interrupted after 300 kB, resumed with Range and the session; the hash matches", async () => {
    const { page } = doraPage;
    const panel = page.getByTestId("download-panel");
    await panel.getByTestId("download-gate-url").fill(proxy.url);
    // Headless: the Blob download (a browser download event); the File System Access picker needs a user.
    await panel.getByTestId("download-sink").selectOption("blob");
    const signedBefore = (await walletLog(page)).signedMessages.length;
    const downloadEvent = page.waitForEvent("download", { timeout: 120_000 });
    await panel.getByTestId("download-button").click();
    const result = panel.getByTestId("download-hash");
    await result.waitFor({ timeout: 120_000 });
    assert.equal(await result.getAttribute("data-matches"), "true", await text(result));
    assert.match(await text(result), /SHA-256 matches the on-chain content hash/);
    assert.equal(await result.getAttribute("data-sha256"), fileHash.toString("hex"));
    assert.equal(proxy.cuts(), 1, "the proxy cut the first transfer");
    const resumed = panel.getByTestId("download-resumed");
    const from = Number(await resumed.getAttribute("data-from"));
    assert.ok(from > 0 && from <= CUT_AFTER, `resumed from byte ${from}`);
    assert.equal(await resumed.getAttribute("data-session"), "true", "the resumed request used the session token");
    const progress = panel.getByTestId("download-progress");
    assert.equal(await progress.getAttribute("data-received"), String(FILE_BYTES));
    assert.equal(await progress.getAttribute("data-total"), String(FILE_BYTES));
    assert.match(await text(progress), /100%/);
    // One signature for the whole download: the challenge of the first request (the resumption went with the session).
    const signed = (await walletLog(page)).signedMessages.slice(signedBefore);
    assert.equal(signed.length, 1, signed.join("\n---\n"));
    assert.ok(signed[0].startsWith(`tessera-access-v1\ndomain: 127.0.0.1\nasset: ${dataset.toBase58()}\nnonce: `), signed[0]);
    // The saved bytes.
    const download = await downloadEvent;
    assert.equal(download.suggestedFilename(), "corpus.bin");
    const saved = path.join(workDir, "saved.bin");
    await download.saveAs(saved);
    assert.equal(sha256(fs.readFileSync(saved)).toString("hex"), fileHash.toString("hex"));
    await screenshot(page, "31-buyer-download-verified");
  });

  test("Try it: dora buys the model's pass and sends a request through its gate", async () => {
    await buyOnPage(model);
    await waitUntilGranted(modelGate.url, model, "infer");
    const { page } = doraPage;
    const card = page.getByTestId("try-it");
    await card.getByTestId("try-gate-url").fill(modelGate.url);
    await card.getByTestId("try-body").fill("hello model");
    await card.getByTestId("try-button").click();
    const result = card.getByTestId("try-result");
    await result.waitFor({ timeout: 60_000 });
    assert.equal(await result.getAttribute("data-kind"), "answer", await text(result));
    assert.equal(await text(card.getByTestId("try-answer")), "HELLO MODEL");
    assert.deepEqual(upstream.received.slice(-1), ["hello model"]);
    // The second call goes with the session the first answer carried (no new signature).
    const signed = (await walletLog(page)).signedMessages.length;
    await card.getByTestId("try-body").fill("again");
    await card.getByTestId("try-button").click();
    await waitForText(card.getByTestId("try-answer"), "the second answer", (t) => t === "AGAIN");
    assert.equal(await card.getByTestId("try-result").getAttribute("data-session"), "true");
    assert.equal((await walletLog(page)).signedMessages.length, signed);
    await screenshot(page, "32-buyer-try-it");
  });

  test("My access lists both passes: the dataset's with its expiry countdown, the model's perpetual", async () => {
    const { page } = doraPage;
    await goto(page, "/access");
    const row = (a: PublicKey) => page.locator(`[data-testid="my-access-row"][data-asset="${a.toBase58()}"]`);
    await row(dataset).waitFor({ timeout: 60_000 });
    assert.equal(await row(dataset).getAttribute("data-status"), "valid");
    // The pass's on-chain expiry, then a countdown on this machine's clock: under an hour away but
    // not exactly 59 min (the loaded validator's clock may lag the browser's by a minute or more).
    const pass = await registry.account.accessPass.fetch(passAddress(dataset, dora.publicKey));
    const expiry = await text(row(dataset).getByTestId("my-access-expiry"));
    const shown = new Date(pass.expiresAt.toNumber() * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
    assert.ok(expiry.startsWith(`${shown} (in `), expiry);
    assert.match(expiry, /\(in (\d+m \d+s|1h 0m \d+s)\)$/);
    assert.equal(await text(row(dataset).getByTestId("my-access-tokens")), "1");
    assert.match(await text(row(dataset)), /corpus\.bin/);
    assert.equal(await row(model).getAttribute("data-status"), "perpetual");
    assert.equal(await text(row(model).getByTestId("my-access-expiry")), "never");
    assert.equal(await row(dataset).getByTestId("my-access-renew").isEnabled(), true);
    await screenshot(page, "33-buyer-my-access");
    // Phone width: the page still lays out (the table scrolls on its own).
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "34-buyer-my-access-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test("My access: renew (buy again) from the row extends the expiry", async () => {
    const { page } = doraPage;
    const row = page.locator(`[data-testid="my-access-row"][data-asset="${dataset.toBase58()}"]`);
    const before = await connection.getAccountInfo(passAddress(dataset, dora.publicKey), "confirmed");
    assert.ok(before);
    // The expiry as the row shows it ("YYYY-MM-DD HH:MM:SS UTC (in …)"): the renewal moves it by
    // exactly one access duration. (Not the countdown: the chain's clock may lag the browser's.)
    const expiryOf = (t: string) => {
      const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/.exec(t);
      assert.ok(m, `an expiry date in ${JSON.stringify(t)}`);
      return Date.parse(`${m[1]}T${m[2]}Z`) / 1000;
    };
    const shownBefore = expiryOf(await text(row.getByTestId("my-access-expiry")));
    await row.getByTestId("my-access-renew").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    await waitForText(row.getByTestId("my-access-tokens"), "two access tokens", (t) => t === "2");
    const shownAfter = expiryOf(await text(row.getByTestId("my-access-expiry")));
    assert.equal(shownAfter - shownBefore, ACCESS_DURATION);
  });

  test("after the publisher revokes the pass, Download is refused with the gate's pass_revoked", async () => {
    await send([revokePassInstruction(publisher.publicKey, dataset, dora.publicKey, 7)], [publisher]);
    // The gate sees the revocation (its live view follows the chain within about a second): a
    // fresh proof sent here is refused with pass_revoked before the page tries.
    await eventually("the gate to refuse the revoked pass", async () => {
      const challenge = await fetchChallenge(dataGate.url, dataset, { expectDomain: ["127.0.0.1"] });
      const proof = await signAccess(signMessageOf(dora), { holder: dora.publicKey, asset: dataset, challenge });
      const res = await fetch(`${dataGate.url}/v1/assets/${dataset.toBase58()}/data`, { headers: proofHeaders(proof) });
      if (res.ok) {
        await res.body?.cancel();
        return false;
      }
      const refusal = await decodeRefusal(res);
      return refusal.status === 403 && refusal.code === "pass_revoked";
    }, 30_000);
    const { page } = doraPage;
    await goto(page, `/asset/${dataset.toBase58()}`);
    const panel = page.getByTestId("download-panel");
    // The gate URL was kept for this asset in the browser.
    assert.equal(await panel.getByTestId("download-gate-url").inputValue(), proxy.url);
    await panel.getByTestId("download-sink").selectOption("blob");
    await panel.getByTestId("download-button").click();
    const error = panel.getByTestId("download-error");
    await error.waitFor({ timeout: 60_000 });
    assert.equal(await error.getAttribute("data-code"), "pass_revoked", await text(error));
    assert.match(await text(error), /pass_revoked \(PassRevoked\)/);
    assert.equal(await panel.getByTestId("download-hash").count(), 0);
    await screenshot(page, "35-buyer-download-revoked");
    await goto(page, "/access");
    const row = page.locator(`[data-testid="my-access-row"][data-asset="${dataset.toBase58()}"]`);
    await row.waitFor({ timeout: 60_000 });
    assert.equal(await row.getAttribute("data-status"), "revoked");
    assert.match(await text(row.getByTestId("my-access-status")), /revoked \(reason 7\)/);
    assert.equal(await row.getByTestId("my-access-renew").isEnabled(), false);
    await screenshot(page, "36-buyer-my-access-revoked");
    assert.deepEqual(doraPage.pageErrors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});
