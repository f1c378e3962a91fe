// The publisher dashboard and the provider console in a real headless Chromium, against
// tessera-localnet and a real `tessera index serve` (SQLite; CORS for the app's origin) whose
// metadata documents come from a small server of the test; every wallet is a Wallet Standard
// wallet connected through the wallet modal (browser.ts openWallet). A publisher finds its
// dataset by name, changes its price (a purchase then pays the new price), updates its split
// (the claims follow), reads its sales in charts (checked against the chain), revokes a pass,
// delists and relists, and publishes a new version linked to an old one while taking the old one
// off sale; a provider registers, bonds (an unbond above the bond is refused with the program's
// error name), accepts a job, delivers, is paid and sees its earnings, then asks to unbond —
// every one of those transactions clicked through its confirmation, which must open before
// anything is sent; a model with 8 parents is published and bought through v0 transactions with
// an address lookup table. Every step asserts both the page and the chain.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Keypair, PublicKey } from "@solana/web3.js";
import type { Page } from "playwright-core";
import { buyFlow, claimFlow, confirmJobFlow, fetchSplit, openJobFlow, publishFlow } from "@tessera/sdk";

import { type Suite, type WalletPage, eventually, goto, screenshot, setUpSuite, text, txOutcome, waitForText } from "./browser.ts";
import {
  USDC,
  type World,
  ataAddress,
  assetAddress as registryAsset,
  connection,
  escrow,
  passAddress,
  providerAddress,
  registry,
  royalties,
  send,
  sha256,
  splitAddress,
  tokenBalance,
  vaultAddress,
} from "./chain.ts";
import { type Indexer, type MetadataServer, startIndexer, startMetadataServer } from "./indexer.ts";

const DAY = 86_400;

describe("publisher dashboard and provider console", { concurrency: false }, () => {
  let suite: Suite;
  let w: World;
  let meta: MetadataServer;
  let idx: Indexer;
  const alice = Keypair.generate(); // the publisher
  const bob = Keypair.generate(); // joins alice's split
  const buyer = Keypair.generate();
  const dave = Keypair.generate(); // an inference provider
  const consumer = Keypair.generate();
  let alicePage: WalletPage;

  const corpus = randomBytes(4096);
  const dataset = assetAddress(corpus);
  /** What the split's vault received from each sale, and what the buyer paid in all. */
  const inflows: bigint[] = [];
  let buyerPaid = 0n;

  function assetAddress(content: Uint8Array, publisher: PublicKey = alice.publicKey): PublicKey {
    return registryAsset(publisher, sha256(content));
  }

  before(async () => {
    suite = await setUpSuite({
      sol: [
        [alice, 10],
        [bob, 2],
        [buyer, 2],
        [dave, 2],
        [consumer, 2],
      ],
      usdc: [
        [buyer, 50n * USDC],
        [dave, 10n * USDC],
        [consumer, 10n * USDC],
      ],
    });
    w = suite.w;
    meta = await startMetadataServer();
    idx = await startIndexer();
  });

  after(async () => {
    await suite?.close();
    await idx?.stop();
    await meta?.close();
  });

  /** A wallet's page (the Wallet Standard wallet connected) with the tests' indexer set. */
  async function open(name: string, kp: Keypair): Promise<WalletPage> {
    const p = await suite.open(name, kp);
    await goto(p.page, "/settings");
    await p.page.getByTestId("indexer-url").fill(idx.url);
    await p.page.getByTestId("indexer-save").click();
    await waitForText(p.page.getByTestId("indexer-in-use"), "the indexer in use", (t) => t === idx.url);
    return p;
  }

  /**
   * The confirmation of `title` is open and nothing of it was sent yet (no transaction is
   * pending: an action sending without its confirmation is pending from the click on); its body
   * matches `body`; then Confirm.
   */
  async function confirm(page: Page, title: string, body?: RegExp): Promise<void> {
    const dialog = page.getByTestId("confirm-dialog");
    await dialog.waitFor({ timeout: 10_000 });
    assert.equal(await text(dialog.locator("h2")), `${title}?`);
    if (body) assert.match(await text(dialog.getByTestId("confirm-body")), body);
    const status = page.getByTestId("tx-status");
    if ((await status.count()) > 0) assert.notEqual(await status.first().getAttribute("data-state"), "pending", await text(status.first()));
    await dialog.getByTestId("confirm-yes").click();
    await dialog.waitFor({ state: "detached" });
  }

  /** Publishes a dataset of `content` with the SDK (signed by `publisher`), at `price` base units. */
  async function publishDataset(content: Uint8Array, uri: string, price: bigint, publisher = alice) {
    const built = await publishFlow(connection, {
      publisher: publisher.publicKey,
      paymentMint: w.usdc,
      args: {
        kind: "dataset",
        contentHash: sha256(content),
        uri,
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price,
        maxSupply: 0n,
        accessDuration: BigInt(DAY),
        inferenceRoyaltyBps: 0,
        inferenceGated: false,
        parents: [],
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      },
    });
    await send(built.instructions, [publisher]);
    return built.asset;
  }

  /** The buyer buys `quantity` of `asset` with the SDK; returns what the buyer paid and what the split's vault received. */
  async function buy(asset: PublicKey, quantity: bigint, maxUnitPrice: bigint): Promise<{ paid: bigint; toVault: bigint }> {
    const buyerAta = ataAddress(w.usdc, buyer.publicKey);
    const splitVault = vaultAddress(splitAddress(asset));
    const [before, vaultBefore] = [await tokenBalance(buyerAta), await tokenBalance(splitVault)];
    const { instructions } = await buyFlow(connection, {
      buyer: buyer.publicKey,
      assetKey: asset,
      args: { quantity, maxUnitPrice, minAccessDuration: BigInt(DAY) },
    });
    await send(instructions, [buyer]);
    return { paid: before - (await tokenBalance(buyerAta)), toVault: (await tokenBalance(splitVault)) - vaultBefore };
  }

  test("alice's dashboard names her dataset from its metadata; she raises the price and a purchase pays the new price", async () => {
    const uri = meta.uri("corpus", { name: "Harbour speech corpus", description: "Four kilobytes of harbour radio" });
    assert.equal((await publishDataset(corpus, uri, 2n * USDC)).toBase58(), dataset.toBase58());
    // A first sale at 2.0 (before the change).
    const first = await buy(dataset, 1n, 2n * USDC);
    assert.equal(first.paid, 2n * USDC);
    inflows.push(first.toVault);
    buyerPaid += first.paid;
    await eventually("the indexer to fetch the metadata", async () => {
      const a = await idx.get<{ metadata: { status: string } }>(`assets/${dataset.toBase58()}`).catch(() => null);
      return a?.metadata.status === "ok";
    });

    alicePage = await open("alice", alice);
    const { page } = alicePage;
    await goto(page, "/publisher");
    const card = page.getByTestId(`asset-${dataset.toBase58()}`);
    await waitForText(card.locator("h2"), "the dataset's name", (t) => t.includes("Harbour speech corpus"));
    assert.match(await text(card), /Four kilobytes of harbour radio/);
    await waitForText(card.getByTestId("asset-price"), "the price", (t) => t === "2");

    await card.getByTestId("open-terms").click();
    await card.getByTestId("terms-price").fill("3.5");
    await card.getByTestId("terms-submit").click();
    // Nothing is sent before the confirmation; Cancel sends nothing.
    const dialog = page.getByTestId("confirm-dialog");
    assert.match(await text(dialog.getByTestId("confirm-body")), /price 2 → 3\.5/);
    await screenshot(page, "40-publisher-confirm-price");
    await dialog.getByTestId("confirm-cancel").click();
    assert.equal(await page.getByTestId("confirm-dialog").count(), 0);
    assert.equal(await card.getByTestId("tx-status").count(), 0);
    await card.getByTestId("terms-submit").click();
    await page.getByTestId("confirm-yes").click();
    const outcome = await txOutcome(card);
    assert.equal(outcome.state, "success", outcome.text);
    assert.match(outcome.text, /Update the terms: confirmed/);
    assert.equal(BigInt((await registry.account.asset.fetch(dataset)).price.toString()), 3_500_000n);
    await waitForText(card.getByTestId("asset-price"), "the new price", (t) => t === "3.5");

    // A buyer whose guard is the old price is refused; at the new price two tokens cost 7.0.
    await assert.rejects(buy(dataset, 1n, 2n * USDC), /PriceAboveLimit|0x/);
    const second = await buy(dataset, 2n, 3_500_000n);
    assert.equal(second.paid, 7n * USDC);
    inflows.push(second.toVault);
    buyerPaid += second.paid;
    await screenshot(page, "41-publisher-price-changed");
  });

  test("alice updates the split from the dashboard (60/40 with bob) and the claims follow", async () => {
    const { page } = alicePage;
    await goto(page, "/publisher");
    const card = page.getByTestId(`asset-${dataset.toBase58()}`);
    await card.getByTestId("open-split").click();
    const form = card.getByTestId("split-form");
    assert.equal(await form.getByTestId("recipient-address-0").inputValue(), alice.publicKey.toBase58());
    assert.equal(await form.getByTestId("recipient-bps-0").inputValue(), "10000");
    await form.getByTestId("recipient-bps-0").fill("6000");
    await form.getByTestId("add-recipient").click();
    await form.getByTestId("recipient-address-1").fill(bob.publicKey.toBase58());
    await form.getByTestId("recipient-bps-1").fill("3000");
    // 9,000 bps: the editor will not send it.
    assert.equal(await form.getByTestId("split-submit").isDisabled(), true);
    await form.getByTestId("recipient-bps-1").fill("4000");
    await form.getByTestId("split-submit").click();
    assert.match(await text(page.getByTestId("confirm-body")), new RegExp(bob.publicKey.toBase58()));
    await page.getByTestId("confirm-yes").click();
    const outcome = await txOutcome(card);
    assert.equal(outcome.state, "success", outcome.text);
    const split = await royalties.account.split.fetch(splitAddress(dataset));
    assert.deepEqual(
      split.entries.filter((e) => e.bps > 0).map((e) => [e.address.toBase58(), e.bps]),
      [
        [alice.publicKey.toBase58(), 6000],
        [bob.publicKey.toBase58(), 4000],
      ],
    );
    await screenshot(page, "42-publisher-split-updated");

    // A sale after the update: bob gets 40% of it, alice 60% plus all that came before.
    const third = await buy(dataset, 1n, 3_500_000n);
    inflows.push(third.toVault);
    buyerPaid += third.paid;
    const before = inflows[0] + inflows[1];
    const claim = async (kp: Keypair) => {
      const account = await fetchSplit(connection, splitAddress(dataset));
      const { destination, instructions } = await claimFlow(connection, kp.publicKey, [{ publicKey: splitAddress(dataset), account }]);
      const start = await tokenBalance(destination!);
      await send(instructions, [kp]);
      return (await tokenBalance(destination!)) - start;
    };
    assert.equal(await claim(bob), (third.toVault * 4000n) / 10_000n);
    assert.equal(await claim(alice), before + (third.toVault * 6000n) / 10_000n);
  });

  test("the charts show the indexed sales, equal to the chain; a pass is revoked with a reason; delist and relist", async () => {
    const { page } = alicePage;
    const onChain = await registry.account.asset.fetch(dataset);
    assert.equal(onChain.sold.toString(), "4");
    assert.equal(onChain.sales.toString(), "3");
    await goto(page, "/publisher");
    const card = page.getByTestId(`asset-${dataset.toBase58()}`);
    await eventually("the charts to show every sale", async () => {
      await card.getByTestId("refresh-history").click();
      await page.waitForTimeout(300);
      return (await card.getByTestId("chart-sold").getAttribute("data-total")) === "4";
    });
    assert.equal(await card.getByTestId("chart-revenue").getAttribute("data-total"), buyerPaid.toString());
    assert.equal(buyerPaid, 2n * USDC + 3n * 3_500_000n);
    const totals = card.getByTestId("revenue-totals");
    assert.equal(await totals.getAttribute("data-gross"), buyerPaid.toString());
    assert.equal(await totals.getAttribute("data-net"), inflows.reduce((a, b) => a + b, 0n).toString());
    assert.match(await text(totals), /3 sales, 12\.5 paid/);
    // Accessible: the figure's label sums it up; the table fallback has the same numbers.
    assert.match((await card.getByTestId("chart-sold").locator("svg").getAttribute("aria-label"))!, /Access tokens sold: 1 period, total 4/);
    assert.equal(await card.getByTestId("chart-revenue-table").locator("td[data-value]").first().getAttribute("data-value"), buyerPaid.toString());
    await screenshot(page, "43-publisher-charts");

    // The holders: the buyer's pass; revoked with reason 7.
    const row = card.locator(`[data-testid="holder-row"][data-holder="${buyer.publicKey.toBase58()}"]`);
    await waitForText(row.getByTestId("holder-status"), "the buyer's valid pass", (t) => t === "valid");
    assert.match(await text(row), /^\S+\s*4/);
    await card.getByTestId("revoke-reason").fill("7");
    await row.getByTestId("revoke").click();
    await page.getByTestId("confirm-yes").click();
    let outcome = await txOutcome(card);
    assert.equal(outcome.state, "success", outcome.text);
    const pass = await registry.account.accessPass.fetch(passAddress(dataset, buyer.publicKey));
    assert.equal(pass.revoked, true);
    assert.equal(pass.revokeReason, 7);
    await waitForText(row.getByTestId("holder-status"), "the revoked pass", (t) => t === "revoked (reason 7)");

    // Delist, then relist, each confirmed first.
    await card.getByTestId("delist").click();
    assert.match(await text(page.getByTestId("confirm-body")), /Nobody can buy access while it is delisted/);
    await page.getByTestId("confirm-yes").click();
    outcome = await txOutcome(card);
    assert.equal(outcome.state, "success", outcome.text);
    assert.deepEqual((await registry.account.asset.fetch(dataset)).state, { delisted: {} });
    await waitForText(card.getByTestId("asset-state"), "delisted", (t) => t === "delisted");
    await card.getByTestId("relist").click();
    await page.getByTestId("confirm-yes").click();
    outcome = await txOutcome(card);
    assert.equal(outcome.state, "success", outcome.text);
    assert.deepEqual((await registry.account.asset.fetch(dataset)).state, { listed: {} });

    // At phone width the dashboard fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await goto(page, "/publisher");
    await waitForText(card.locator("h2"), "the dataset's name", (t) => t.includes("Harbour speech corpus"));
    const box = await card.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await screenshot(page, "44-publisher-phone-390");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test("alice publishes a new version from the dashboard, taking the old one off sale: linked both ways on chain and on the page", async () => {
    const v1 = await publishDataset(randomBytes(1024), meta.uri("glossary-v1", { name: "Harbour glossary" }), 1n * USDC);
    const v2Content = Buffer.from(`harbour glossary v2 ${Date.now()} ${Math.random()}`);
    const v2 = assetAddress(v2Content);
    const { page } = alicePage;
    await goto(page, "/publisher");
    const oldCard = page.getByTestId(`asset-${v1.toBase58()}`);
    await waitForText(oldCard.getByTestId("asset-state"), "the first version listed", (t) => t === "listed");
    await oldCard.getByTestId("open-version").click();
    const form = oldCard.getByTestId("version-form");
    await form.getByTestId("version-file").setInputFiles({ name: "glossary-v2.txt", mimeType: "text/plain", buffer: v2Content });
    await eventually("the new file's hash", async () => (await form.getByTestId("version-hash").inputValue()) === sha256(v2Content).toString("hex"));
    await form.getByTestId("version-uri").fill("ar://tessera-app-test/glossary-v2");
    await form.getByTestId("version-delist-old").check();
    assert.equal(await form.getByTestId("version-delist-old").isChecked(), true);
    await form.getByTestId("version-submit").click();
    await confirm(
      page,
      "Publish the new version and delist this one",
      /linked to this one as its previous version; this one is delisted in the same transaction/,
    );
    const outcome = await txOutcome(oldCard);
    assert.equal(outcome.state, "success", outcome.text);
    assert.match(outcome.text, /Publish the new version and delist this one: confirmed/);

    // On chain, through the RPC: the new asset names the old one as its previous version (with
    // the old one's terms and split), the old one names its successor and is delisted.
    const created = await registry.account.asset.fetch(v2);
    assert.equal(created.previousVersion?.toBase58(), v1.toBase58());
    assert.equal(created.publisher.toBase58(), alice.publicKey.toBase58());
    assert.deepEqual(Buffer.from(created.contentHash), sha256(v2Content));
    assert.equal(created.uri, "ar://tessera-app-test/glossary-v2");
    assert.equal(BigInt(created.price.toString()), 1n * USDC);
    assert.deepEqual(created.state, { listed: {} });
    const superseded = await registry.account.asset.fetch(v1);
    assert.equal(superseded.successor?.toBase58(), v2.toBase58());
    assert.deepEqual(superseded.state, { delisted: {} });
    const split = await royalties.account.split.fetch(splitAddress(v2));
    assert.deepEqual(
      split.entries.filter((e) => e.bps > 0).map((e) => [e.address.toBase58(), e.bps]),
      [[alice.publicKey.toBase58(), 10_000]],
    );
    // The old version is off sale: a purchase is refused.
    await assert.rejects(buy(v1, 1n, 1n * USDC), /AssetNotListed|0x/);

    // On the page: the old card is delisted and links its successor; the new card links back.
    await waitForText(oldCard.getByTestId("asset-state"), "the first version delisted", (t) => t === "delisted");
    await oldCard.getByTestId("asset-successor").locator(`[data-address="${v2.toBase58()}"]`).waitFor();
    const newCard = page.getByTestId(`asset-${v2.toBase58()}`);
    await newCard.getByTestId("asset-previous-version").locator(`[data-address="${v1.toBase58()}"]`).waitFor();
    await screenshot(page, "44a-publisher-new-version");
  });

  test("dave registers as a provider, bonds, accepts a job, delivers, is paid and sees it; then asks to unbond", async () => {
    // A model on the dataset, served by dave.
    const weights = randomBytes(2048);
    const built = await publishFlow(connection, {
      publisher: alice.publicKey,
      paymentMint: w.usdc,
      args: {
        kind: "model",
        contentHash: sha256(weights),
        uri: meta.uri("model", { name: "Harbour transcriber" }),
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price: 1n * USDC,
        maxSupply: 0n,
        accessDuration: BigInt(DAY),
        inferenceRoyaltyBps: 1000,
        inferenceGated: false,
        parents: [{ asset: dataset, bps: 3000 }],
        recipients: [{ address: alice.publicKey, bps: 10_000 }],
      },
    });
    await send(built.instructions, [alice]);
    const model = built.asset;

    const davePage = await open("dave", dave);
    const { page } = davePage;
    await goto(page, "/provider");
    await waitForText(page.getByTestId("register-mint"), "the bondable mints", (t) => t.includes(w.usdc.toBase58()));
    await page.getByTestId("register-mint").selectOption(w.usdc.toBase58());
    await page.getByTestId("register-endpoint").fill("https://dave.example.org/v1");
    await page.getByTestId("register-models").fill(model.toBase58());
    const providerKey = providerAddress(dave.publicKey);
    // Register asks first; Cancel sends nothing.
    await page.getByTestId("register-submit").click();
    const dialog = page.getByTestId("confirm-dialog");
    assert.match(await text(dialog.getByTestId("confirm-body")), /reachable at https:\/\/dave\.example\.org\/v1, serving 1 model\(s\)/);
    await screenshot(page, "45a-provider-confirm-register");
    await dialog.getByTestId("confirm-cancel").click();
    await page.waitForTimeout(1_500);
    assert.equal(await page.getByTestId("tx-status").count(), 0);
    assert.equal(await connection.getAccountInfo(providerKey, "confirmed"), null);
    await page.getByTestId("register-submit").click();
    await confirm(page, "Register as a provider", /Nothing is bonded yet: bond at least .* to accept jobs/);
    let outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.match(outcome.text, /Register as a provider: confirmed/);
    let p = await escrow.account.provider.fetch(providerKey);
    assert.deepEqual(p.models.map((m) => m.toBase58()), [model.toBase58()]);
    assert.equal(p.endpoint, "https://dave.example.org/v1");
    await waitForText(page.getByTestId("served-models"), "the model's name", (t) => t.includes("Harbour transcriber"));

    await page.getByTestId("bond-amount").fill("2");
    await page.getByTestId("bond-submit").click();
    await confirm(page, "Bond", /^2 .*move from this wallet into the provider's bond vault; the bond is then 2 /);
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    p = await escrow.account.provider.fetch(providerKey);
    assert.equal(BigInt(p.bond.toString()), 2n * USDC);
    await waitForText(page.getByTestId("provider-bond"), "the bond", (t) => t.startsWith("2 "));
    await screenshot(page, "45-provider-registered-bonded");

    // A refused transaction shows the program's error name: an unbond above the bond.
    await page.getByTestId("unbond-amount").fill("100");
    await page.getByTestId("unbond-submit").click();
    await confirm(page, "Request unbond");
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "error", outcome.text);
    assert.equal(await text(page.getByTestId("tx-error-name")), "UnbondAboveBond");
    assert.equal(await text(page.getByTestId("tx-error-message")), "The unbond amount exceeds the bond");
    assert.equal(BigInt((await escrow.account.provider.fetch(providerKey)).unbondAmount.toString()), 0n);
    await screenshot(page, "45b-provider-unbond-refused");

    // A consumer opens a job for the model (with the SDK); dave sees it among the jobs he may accept.
    const JOB_FEE = 2n * USDC;
    const opened = await openJobFlow(connection, {
      consumer: consumer.publicKey,
      model,
      args: {
        jobId: 1n,
        fee: JOB_FEE,
        inputCommitment: sha256("transcribe this"),
        provider: null,
        acceptWindow: 600,
        deliveryWindow: 600,
        challengeWindow: 600,
      },
    });
    await send(opened.instructions, [consumer]);
    const jobKey = opened.job;
    await goto(page, "/provider");
    const openRow = page.getByTestId("open-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(openRow.getByTestId("job-state"), "the open job", (t) => t === "open");
    // The slash at stake: 10% of the 2.0 bond.
    assert.equal(await openRow.getByTestId("job-slash").getAttribute("data-base-units"), "200000");
    await screenshot(page, "46-provider-open-job");
    await openRow.getByTestId("job-accept").click();
    // The confirmation names the fee, the windows and the slash at stake.
    await confirm(page, "Accept the job", /for 2 .*deliver within 10 min, then the consumer may dispute for 10 min\. 0\.2 .*of your bond is at stake/);
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.deepEqual((await escrow.account.job.fetch(jobKey)).state, { accepted: {} });
    const mine = page.getByTestId("my-provider-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(mine.getByTestId("job-state"), "the accepted job", (t) => t === "accepted");
    await mine.locator("input").fill("the transcript");
    await mine.getByTestId("job-submit").click();
    await confirm(page, "Submit the result", /The SHA-256 of your result is committed on chain/);
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.deepEqual((await escrow.account.job.fetch(jobKey)).state, { delivered: {} });

    // The consumer confirms: dave is paid the fee less the protocol's 1% and the model's 10%.
    const daveAta = ataAddress(w.usdc, dave.publicKey);
    const before = await tokenBalance(daveAta);
    await send((await confirmJobFlow(connection, consumer.publicKey, jobKey)).instructions, [consumer]);
    const paid = (await tokenBalance(daveAta)) - before;
    assert.equal(paid, JOB_FEE - (JOB_FEE * 100n) / 10_000n - (JOB_FEE * 1000n) / 10_000n);
    await eventually("the console to show the earnings", async () => {
      await goto(page, "/provider");
      await page.getByTestId("record-panel").waitFor();
      await page.waitForTimeout(500);
      return (await page.getByTestId("provider-earned").getAttribute("data-base-units")) === paid.toString();
    });
    assert.equal(await text(page.getByTestId("record-completed")), "1");
    await screenshot(page, "47-provider-paid");

    // Unbond 1.0: the delay (1 hour here) is shown and the withdrawal waits for it.
    assert.equal(await page.getByTestId("unbonding-delay").getAttribute("data-seconds"), "3600");
    await page.getByTestId("unbond-amount").fill("1");
    await page.getByTestId("unbond-submit").click();
    await confirm(page, "Request unbond", /^1 .*of the bond become withdrawable 1 h(our)? after this request/);
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    p = await escrow.account.provider.fetch(providerKey);
    assert.equal(BigInt(p.unbondAmount.toString()), 1n * USDC);
    assert.equal(p.unbondAvailableAt.toNumber() - p.unbondRequestedAt.toNumber(), 3600);
    // (The countdown runs on this machine's clock, the deadline on the cluster's: minutes, not seconds.)
    await waitForText(page.getByTestId("provider-unbonding"), "the pending unbond", (t) => /^1 .*withdrawable in (\d+m|1h)/.test(t));
    assert.equal(await page.getByTestId("provider-unbonding").getAttribute("data-base-units"), String(1n * USDC));
    assert.equal(await page.getByTestId("withdraw-bond").isDisabled(), true);
    await screenshot(page, "48-provider-unbonding");
  });

  test("a model with 8 parents is published and bought through v0 transactions with a lookup table", async () => {
    // Eight datasets (with the SDK), each a parent at 6%.
    const parents: PublicKey[] = [];
    for (let i = 0; i < 8; i++) parents.push(await publishDataset(randomBytes(512), `ar://tessera-app-test/parent-${i}`, 1n * USDC));
    const { page } = alicePage;
    await goto(page, "/publish");
    await page.getByTestId("kind-model").check();
    const weights = Buffer.from(`eight-parent weights ${Date.now()}`);
    await page.getByTestId("file-input").setInputFiles({ name: "weights8.bin", mimeType: "application/octet-stream", buffer: weights });
    await waitForText(page.getByTestId("hash-method"), "the weights' hash", (t) => t.includes("weights8.bin"));
    await page.getByTestId("uri-input").fill("ar://tessera-app-test/model-8-parents");
    await waitForText(page.getByTestId("mint-select"), "the allowed mint", (t) => t.includes(w.usdc.toBase58()));
    await page.getByTestId("mint-select").selectOption(w.usdc.toBase58());
    await page.getByTestId("price-input").fill("4");
    for (let i = 0; i < 8; i++) {
      await page.getByTestId("add-parent").click();
      await page.getByTestId(`parent-asset-${i}`).fill(parents[i].toBase58());
      await page.getByTestId(`parent-bps-${i}`).fill("600");
    }
    await page.getByTestId("publish-button").click();
    const outcome = await txOutcome(page, 180_000);
    assert.equal(outcome.state, "success", outcome.text);
    const model = assetAddress(weights);
    const m = await registry.account.asset.fetch(model);
    assert.deepEqual(
      m.parents.map((x) => x.asset.toBase58()),
      parents.map((x) => x.toBase58()),
    );
    const publishSig = await text(page.getByTestId("tx-signature"));
    const published = await connection.getTransaction(publishSig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    assert.equal(published?.version, 0);
    assert.ok((published?.transaction.message.addressTableLookups.length ?? 0) > 0);
    await screenshot(page, "49-publish-model-8-parents-v0");

    // The buyer buys it on its page (the app's buy), also as a v0 transaction.
    const buyerPage = await open("buyer", buyer);
    const bp = buyerPage.page;
    const buyerAta = ataAddress(w.usdc, buyer.publicKey);
    const before = await tokenBalance(buyerAta);
    const parentVaults = parents.map((a) => vaultAddress(splitAddress(a)));
    const vaultsBefore = await Promise.all(parentVaults.map(tokenBalance));
    await goto(bp, `/asset/${model.toBase58()}`);
    await bp.getByTestId("buy-max-price").fill("4");
    await bp.getByTestId("buy-button").click();
    const bought = await txOutcome(bp, 180_000);
    assert.equal(bought.state, "success", bought.text);
    assert.equal(before - (await tokenBalance(buyerAta)), 4n * USDC);
    const buySig = await text(bp.getByTestId("tx-signature"));
    const tx = await connection.getTransaction(buySig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    assert.equal(tx?.version, 0);
    // Every parent's split received the same share of the sale.
    const deltas = (await Promise.all(parentVaults.map(tokenBalance))).map((b, i) => b - vaultsBefore[i]);
    assert.ok(deltas[0] > 0n, String(deltas[0]));
    assert.deepEqual(deltas, deltas.map(() => deltas[0]));
    assert.equal(BigInt((await registry.account.accessPass.fetch(passAddress(model, buyer.publicKey))).purchased.toString()), 1n);
    await screenshot(bp, "50-buy-model-8-parents-v0");
    for (const p of suite.pages) assert.deepEqual(p.pageErrors.filter((e) => !/Failed to load resource/.test(e)), [], p.name);
  });
});

