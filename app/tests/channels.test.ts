// Pay per call from the browser (issue 15): a model with a parent dataset, a provider serving it
// behind the real metered gate (`tessera serve --price-per-call … --cors-origin <the app>`, in
// front of a tiny upstream model started here). From the model's page, a payer opens a payment
// channel, gets a 402 with the payment requirements while the deposit is below the gate's
// minimum, tops up, pays three calls with vouchers signed by the wallet's signMessage (one of them
// times out and is retried with the same voucher), requests the close — the gate settles what it
// accepted — and finalizes after the grace. Every step is checked on the page, at the gate and on
// chain, to the base unit.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Keypair, type PublicKey } from "@solana/web3.js";
import { channelAddress, fetchChannel, publishFlow } from "@tessera/sdk";
import type { Locator } from "playwright-core";

import { type Suite, type WalletPage, eventually, goto, screenshot, setUpSuite, text, waitForText } from "./browser.ts";
import {
  USDC,
  type World,
  accountExists,
  ataAddress,
  connection,
  inferenceSplit,
  registerProvider,
  send,
  setUpChannels,
  sha256,
  sleep,
  splitAddress,
  tokenBalance,
  vaultAddress,
  waitForClock,
} from "./chain.ts";
import { type Gate, type Upstream, startGate, startUpstream } from "./gate.ts";
import { walletLog } from "./walletStandard.ts";

/** 0.000997 per call: 997 base units, so that every part of a settlement rounds. */
const PRICE = 997n;
const CHANNELS_FEE_BPS = 150;
const ROYALTY_BPS = 1_000;
const PARENT_BPS = 3_000;
/** Seconds: the payer may finalize this long after requesting the close (the gate settles within it). */
const GRACE = 15;

describe("Pay per call from the browser", { concurrency: false }, () => {
  let suite: Suite;
  let w: World;
  let upstream: Upstream;
  let gate: Gate;
  const publisher = Keypair.generate();
  const provider = Keypair.generate(); // the gate's wallet: the payee
  const carla = Keypair.generate(); // pays per call
  let carlaPage: WalletPage;
  let dataset: PublicKey;
  let model: PublicKey;
  const channel = channelAddress(carla.publicKey, 1n);

  const publish = async (kind: "dataset" | "model", name: string, parents: { asset: PublicKey; bps: number }[]) => {
    const published = await publishFlow(connection, {
      publisher: publisher.publicKey,
      paymentMint: w.usdc,
      args: {
        kind,
        contentHash: sha256(`${name} ${Date.now()} ${Math.random()}`),
        uri: `ar://tessera-app-test/${name}`,
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price: USDC,
        maxSupply: 0,
        accessDuration: 0,
        inferenceRoyaltyBps: kind === "model" ? ROYALTY_BPS : 0,
        inferenceGated: false,
        parents,
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      },
    });
    await send(published.instructions, [publisher]);
    return published.asset;
  };

  before(async () => {
    suite = await setUpSuite({
      sol: [
        [publisher, 2],
        [provider, 2],
        [carla, 2],
      ],
      usdc: [
        [provider, 2n * USDC],
        [carla, 1n * USDC],
      ],
    });
    w = suite.w;
    await setUpChannels({ treasury: w.treasury.publicKey, feeBps: CHANNELS_FEE_BPS, minCloseGrace: 1, maxCloseGrace: 86_400 });
    dataset = await publish("dataset", "ppc-corpus", []);
    model = await publish("model", "ppc-model", [{ asset: dataset, bps: PARENT_BPS }]);
    await registerProvider(w, provider, [model], 1n * USDC);
    upstream = await startUpstream();
    gate = await startGate({
      provider,
      model: model.toBase58(),
      upstream: upstream.url,
      pricePerCall: "0.000997",
      minDeposit: "0.005",
    });
  });

  after(async () => {
    await suite?.close();
    await gate?.stop();
    await upstream?.close();
  });

  const panel = () => carlaPage.page.getByTestId("pay-per-call");
  const row = () => panel().locator(`[data-testid="channel-row"][data-channel="${channel.toBase58()}"]`);
  const units = async (l: Locator) => BigInt((await l.getAttribute("data-base-units")) || "-1");

  /** Waits for the panel's transaction `label` to settle (the box keeps the previous outcome until then). */
  async function txDone(label: string): Promise<{ state: string; text: string }> {
    const box = panel().getByTestId("tx-status");
    return eventually(
      `the transaction "${label}"`,
      async () => {
        const t = await text(box);
        const state = await box.getAttribute("data-state", { timeout: 1_000 });
        return t.includes(label) && (state === "success" || state === "error") ? { state, text: t } : null;
      },
      90_000,
    );
  }

  /** Sends `body` from the Call box; resolves with the result box once the call is over. */
  async function callFromPage(body: string, timeoutSecs = 10): Promise<Locator> {
    const { page } = carlaPage;
    const result = page.getByTestId("call-result");
    await page.getByTestId("call-body").fill(body);
    await page.getByTestId("call-timeout").fill(String(timeoutSecs));
    await page.getByTestId("call-button").click();
    // The button is disabled while the call runs; the result replaces the previous one.
    await eventually("the call to end", async () => (await page.getByTestId("call-button").isEnabled()) && (await result.count()) > 0, 90_000);
    return result;
  }

  test("carla opens a channel to the model's provider from the model's page", async () => {
    carlaPage = await suite.open("carla", carla);
    const { page } = carlaPage;
    await goto(page, `/asset/${model.toBase58()}`);
    await panel().getByTestId("no-channels").waitFor();
    // The payee: the provider serving the model (from the escrow's providers), chosen by default.
    await eventually("the provider serving the model", async () =>
      (await page.getByTestId("open-channel-payee").inputValue()) === provider.publicKey.toBase58(),
    );
    const before = await tokenBalance(ataAddress(w.usdc, carla.publicKey));
    await page.getByTestId("open-channel-deposit").fill("0.004");
    await page.getByTestId("open-channel-grace").fill(String(GRACE));
    await page.getByTestId("open-channel-button").click();
    const o = await txDone("Open a channel");
    assert.equal(o.state, "success", o.text);

    const c = await fetchChannel(connection, channel);
    assert.equal(c.payer.toBase58(), carla.publicKey.toBase58());
    assert.equal(c.payee.toBase58(), provider.publicKey.toBase58());
    assert.equal(c.authorizedSigner.toBase58(), carla.publicKey.toBase58());
    assert.equal(c.model.toBase58(), model.toBase58());
    assert.equal(c.deposit, 4_000n);
    assert.equal(c.settled, 0n);
    assert.equal(c.closeGrace, GRACE);
    assert.equal(c.feeBps, CHANNELS_FEE_BPS);
    assert.equal(c.royaltyBps, ROYALTY_BPS);
    assert.equal(before - (await tokenBalance(ataAddress(w.usdc, carla.publicKey))), 4_000n);

    await waitForText(row().getByTestId("channel-state"), "the open channel", (t) => t === "open");
    assert.equal(await units(row().getByTestId("channel-deposit-units")), 4_000n);
    assert.equal(await units(row().getByTestId("channel-remaining-units")), 4_000n);
    await screenshot(page, "20-pay-per-call-channel-opened");
  });

  test("a call while the deposit is below the gate's minimum gets 402: the page shows the payment requirements", async () => {
    const { page } = carlaPage;
    await page.getByTestId("gate-url").fill(gate.url);
    await page.getByTestId("gate-terms-button").click();
    const terms = page.getByTestId("gate-terms");
    await eventually("the gate's terms", async () => (await terms.getAttribute("data-price")) === PRICE.toString());
    assert.equal(await terms.getAttribute("data-payee"), provider.publicKey.toBase58());
    assert.match(await text(terms), /0\.000997 per call/);

    const result = await callFromPage("hello");
    assert.equal(await result.getAttribute("data-kind"), "payment_required", await text(result));
    assert.equal(await result.getAttribute("data-reason"), "deposit_too_small");
    const payment = JSON.parse(await text(page.getByTestId("call-payment"))) as Record<string, unknown>;
    assert.equal(payment.scheme, "tessera-channel-v1");
    assert.equal(payment.asset, model.toBase58());
    assert.equal(payment.payee, provider.publicKey.toBase58());
    assert.equal(payment.mint, w.usdc.toBase58());
    assert.equal(payment.pricePerCall, Number(PRICE));
    assert.equal(payment.minDeposit, 5_000);
    // The voucher was signed (for one call) and kept, but nothing was accepted nor forwarded.
    assert.equal(await text(page.getByTestId("call-voucher-cumulative")), PRICE.toString());
    assert.equal((await gate.channelState(channel.toBase58())).accepted, 0);
    assert.deepEqual(upstream.received, []);
    await waitForText(row().getByTestId("channel-signed"), "the kept voucher", (t) => t === "0.000997");
    await screenshot(page, "21-pay-per-call-402");
  });

  test("carla tops the channel up from the page", async () => {
    const { page } = carlaPage;
    await row().getByTestId("topup-amount").fill("0.002");
    await row().getByTestId("topup-button").click();
    const o = await txDone("Top up channel 1");
    assert.equal(o.state, "success", o.text);
    assert.equal((await fetchChannel(connection, channel)).deposit, 6_000n);
    await eventually("the new deposit on the page", async () => (await units(row().getByTestId("channel-deposit-units"))) === 6_000n);
    await screenshot(page, "22-pay-per-call-topped-up");
    // The gate trusts a channel's state for --channel-refresh (1 s).
    await sleep(1_500);
  });

  test("three paid calls from the page: the upstream's answers, and the gate accepted 3 × the price", async () => {
    const { page } = carlaPage;
    // 1. The voucher of the refused call was never accepted: the same one pays this call.
    let result = await callFromPage("first");
    assert.equal(await result.getAttribute("data-kind"), "answer", await text(result));
    assert.equal(await text(page.getByTestId("call-answer")), "FIRST");
    assert.equal(await result.getAttribute("data-reused"), "true");
    assert.equal(await result.getAttribute("data-cumulative"), PRICE.toString());
    assert.equal((await gate.channelState(channel.toBase58())).accepted, Number(PRICE));

    // 2. A new voucher, one price higher.
    result = await callFromPage("second");
    assert.equal(await result.getAttribute("data-kind"), "answer", await text(result));
    assert.equal(await text(page.getByTestId("call-answer")), "SECOND");
    assert.equal(await result.getAttribute("data-reused"), "false");
    assert.equal(await result.getAttribute("data-cumulative"), (2n * PRICE).toString());

    // 3. The model takes 3 s, the page gives up after 1 s: it sends the SAME voucher again until
    //    the gate answers (409 while the first attempt holds the channel, then the answer).
    upstream.holdNext("slow", 3_000);
    result = await callFromPage("slow", 1);
    assert.equal(await result.getAttribute("data-kind"), "answer", await text(result));
    assert.equal(await text(page.getByTestId("call-answer")), "SLOW");
    assert.equal(await result.getAttribute("data-cumulative"), (3n * PRICE).toString());
    assert.ok(Number(await text(page.getByTestId("call-attempts"))) >= 2, await text(result));

    const state = await gate.channelState(channel.toBase58());
    assert.equal(state.accepted, Number(3n * PRICE));
    assert.equal(state.calls, 3);
    assert.deepEqual(
      upstream.received.filter((b) => b !== "slow"),
      ["first", "second"],
    );
    // The vouchers were signed by the Wallet Standard wallet's signMessage (one per new cumulative amount).
    assert.ok((await walletLog(page)).signedMessages.length >= 3, JSON.stringify(await walletLog(page)));
    await waitForText(row().getByTestId("channel-signed"), "the highest voucher", (t) => t === "0.002991");
    assert.equal(await units(row().getByTestId("channel-accepted")), 3n * PRICE);
    assert.equal(await units(row().getByTestId("channel-remaining-units")), 6_000n - 3n * PRICE);
    await screenshot(page, "23-pay-per-call-three-calls");

    // After a reload the page still knows the highest voucher it signed (localStorage).
    await page.reload();
    await waitForText(row().getByTestId("channel-signed"), "the kept voucher after a reload", (t) => t === "0.002991");
    assert.equal(await units(row().getByTestId("channel-signed-units")), 3n * PRICE);
  });

  const balances = async () => ({
    payee: await tokenBalance(ataAddress(w.usdc, provider.publicKey)),
    treasury: await tokenBalance(ataAddress(w.usdc, w.treasury.publicKey)),
    model: await tokenBalance(vaultAddress(splitAddress(model))),
    parent: await tokenBalance(vaultAddress(splitAddress(dataset))),
    carla: await tokenBalance(ataAddress(w.usdc, carla.publicKey)),
  });
  let atClose: Awaited<ReturnType<typeof balances>>;

  test("carla requests the close; the gate settles what it accepted: payee, treasury, the model's and its parent's splits to the base unit", async () => {
    const { page } = carlaPage;
    atClose = await balances();
    await row().getByTestId("request-close-button").click();
    const o = await txDone("Request the close of channel 1");
    assert.equal(o.state, "success", o.text);
    const requested = await fetchChannel(connection, channel);
    assert.ok(requested.closeRequestedAt > 0n);
    await waitForText(row().getByTestId("channel-state"), "close requested", (t) => t === "close requested");
    assert.equal(await row().getByTestId("channel-grace").getAttribute("data-unix"), (requested.closeRequestedAt + BigInt(GRACE)).toString());
    assert.match(await text(row().getByTestId("channel-grace")), /finalize (in \d+s|possible now)/);
    await screenshot(page, "24-pay-per-call-close-requested");

    // The gate sees the request and settles its highest voucher before the grace ends.
    await eventually("the gate's settlement", async () => (await fetchChannel(connection, channel)).settled === 3n * PRICE, 60_000);
    const split = inferenceSplit(3n * PRICE, CHANNELS_FEE_BPS, ROYALTY_BPS, [PARENT_BPS]);
    assert.deepEqual(split, { toTreasury: 44n, royalty: 299n, toParents: [89n], toModelSplit: 210n, toPayee: 2_648n });
    const now = await balances();
    assert.equal(now.payee - atClose.payee, split.toPayee);
    assert.equal(now.treasury - atClose.treasury, split.toTreasury);
    assert.equal(now.model - atClose.model, split.toModelSplit);
    assert.equal(now.parent - atClose.parent, split.toParents[0]);
    assert.equal(now.carla, atClose.carla);
  });

  test("after the grace carla finalizes from the page: the unspent deposit back to her, exactly", async () => {
    const { page } = carlaPage;
    const c = await fetchChannel(connection, channel);
    await goto(page, `/asset/${model.toBase58()}`);
    await waitForText(row().getByTestId("channel-settled"), "the settled total", (t) => t === "0.002991");
    // The button follows this machine's clock (the program checks the cluster's: a finalize
    // clicked early is refused with CloseGraceNotOver).
    if (Date.now() / 1000 < Number(c.closeRequestedAt) + GRACE - 2) {
      assert.equal(await row().getByTestId("finalize-button").isDisabled(), true);
    }
    await waitForClock(Number(c.closeRequestedAt) + GRACE);
    await eventually("the finalize button", () => row().getByTestId("finalize-button").isEnabled());
    await row().getByTestId("finalize-button").click();
    const o = await txDone("Finalize channel 1");
    assert.equal(o.state, "success", o.text);
    assert.equal(await accountExists(channel), false);
    assert.equal(await accountExists(c.vault), false);

    const refund = 6_000n - 3n * PRICE;
    const now = await balances();
    assert.equal(now.carla - atClose.carla, refund);
    const closed = panel().getByTestId("channel-closed");
    assert.equal(await closed.getAttribute("data-refund"), refund.toString());
    assert.equal(await text(closed.getByTestId("channel-refund")), "0.003009");
    // Every base unit of the deposit reached someone.
    const paid = now.payee - atClose.payee + (now.treasury - atClose.treasury) + (now.model - atClose.model) + (now.parent - atClose.parent);
    assert.equal(paid + refund, 6_000n);
    await screenshot(page, "25-pay-per-call-finalized");
  });

  test("the page raised no uncaught error (the gate's 402 and 409 answers are expected)", () => {
    const expected = /^console: Failed to load resource: the server responded with a status of (402|409)\b/;
    assert.deepEqual(
      carlaPage.pageErrors.filter((e) => !expected.test(e)),
      [],
      gate.log().slice(-3_000),
    );
  });
});
