// The web app in a real headless Chromium against tessera-localnet, every wallet a Wallet
// Standard wallet registered in the page and connected through the wallet modal (browser.ts
// openWallet; the app's Local keypair wallet is checked once, for development): publish a
// dataset with a 70/20/10 split, buy access as a second wallet, see the pass, redeem, claim royalties as a
// recipient; a 9,999 bps split cannot be submitted; failed purchases show the program's error;
// inference jobs opened, accepted, delivered, confirmed and refunded from the pages, and jobs in
// a Token-2022 transfer-fee mint confirmed, released and refunded from My jobs. Every step
// asserts both what the page shows and what is on chain.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import { Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import {
  TOKEN_2022_PROGRAM_ID,
  acceptJobFlow,
  openJobFlow,
  publishFlow,
  submitResultInstruction,
} from "@tessera/sdk";

import { TEST_WALLET_NAME, walletLog } from "./walletStandard.ts";
import {
  OUTPUT_DIR,
  type Suite,
  type WalletPage,
  eventually,
  goto,
  importKey,
  openLocalWallet,
  screenshot,
  selectLocalWallet,
  setUpSuite,
  text,
  txOutcome,
  waitForText,
} from "./browser.ts";
import {
  USDC,
  type World,
  accountExists,
  addBond,
  assetAddress,
  ataAddress,
  clockNow,
  connection,
  escrow,
  expectedSlash,
  fund,
  mintFeeMint,
  mintToAccount,
  mintUsdc,
  passAddress,
  registerProvider,
  registry,
  royalties,
  send,
  sha256,
  splitAddress,
  tokenBalance,
  transferFee,
  vaultAddress,
  waitForClock,
  withheldIn,
  withheldInMint,
} from "./chain.ts";

const PRICE = 2_500_000n; // 2.5 units of the 6-decimal mint
const FEE_BPS = 250n;
const DAY = 86_400;

describe("Tessera web app", { concurrency: false }, () => {
  let suite: Suite;
  let w: World;
  const alice = Keypair.generate(); // publisher, 70%
  const bob = Keypair.generate(); // 20%
  const carol = Keypair.generate(); // 10%
  const buyer = Keypair.generate();
  const poorBuyer = Keypair.generate();
  let alicePage: WalletPage;
  let buyerPage: WalletPage;

  const file = randomBytes(17 * 1024 * 1024 + 123); // above the Web Crypto limit: hashed streamed
  const fileHash = sha256(file);
  const asset = assetAddress(alice.publicKey, fileHash);
  // Given to the file input by path (Chromium reads it like a user's file; no upload over CDP).
  const filePath = path.join(OUTPUT_DIR, "corpus.bin");

  before(async () => {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    fs.writeFileSync(filePath, file);
    suite = await setUpSuite({
      sol: [
        [alice, 10],
        [bob, 2],
        [carol, 2],
        [buyer, 2],
        [poorBuyer, 2],
      ],
      usdc: [
        [buyer, 20n * USDC],
        [poorBuyer, 1n * USDC],
      ],
    });
    w = suite.w;
  });

  after(async () => {
    await suite?.close();
    fs.rmSync(filePath, { force: true });
  });

  test("the Local keypair wallet (development only): refused on devnet with a clear message; on localnet it connects and airdrops", async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await importKey(page, Keypair.generate());
    await page.getByTestId("endpoint-kind").selectOption("devnet");
    await page.getByTestId("endpoint-save").click();
    await waitForText(page.getByTestId("cluster"), "the devnet badge", (t) => t === "devnet");
    await selectLocalWallet(page);
    const message = await waitForText(page.getByTestId("wallet-error"), "the refusal", (t) => t.length > 0);
    assert.match(message, /works only with a validator on this machine \(localhost \/ 127\.0\.0\.1\)/);
    assert.match(await text(page.locator(".wallet-adapter-button-trigger").first()), /Select Wallet/);
    await screenshot(page, "00-settings-local-wallet-refused-on-devnet");
    await context.close();

    // On the local validator a developer's imported key connects and the airdrop works.
    const dev = Keypair.generate();
    const devPage = suite.keep(await openLocalWallet(suite.browser, "dev", dev));
    assert.equal(await connection.getBalance(dev.publicKey), 0);
    await devPage.page.getByTestId("airdrop").click();
    const shown = await waitForText(devPage.page.getByTestId("sol-balance"), "the airdropped balance", (t) => t === "10");
    assert.equal(shown, "10");
    assert.equal(await connection.getBalance(dev.publicKey, "confirmed"), 10 * LAMPORTS_PER_SOL);
    await screenshot(devPage.page, "01-settings-connected");
    await devPage.context.close();
  });

  test("alice connects with the Wallet Standard wallet, chosen in the wallet modal as Phantom would be", async () => {
    alicePage = await suite.open("alice", alice);
    const { page } = alicePage;
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem("walletName") ?? "null")), TEST_WALLET_NAME);
    assert.ok((await walletLog(page)).connects >= 1);
    await waitForText(page.getByTestId("sol-balance"), "alice's funded balance", (t) => t === "10");
  });

  async function fillDatasetForm(page: WalletPage["page"], shares: [PublicKey, string][]) {
    await goto(page, "/publish");
    await page.getByTestId("kind-dataset").check();
    await page.getByTestId("file-input").setInputFiles(filePath);
    await waitForText(page.getByTestId("hash-method"), "the file's hash", (t) => t.includes("corpus.bin"));
    await page.getByTestId("uri-input").fill("ar://tessera-app-test/corpus");
    await waitForText(page.getByTestId("mint-select"), "the allowed mint", (t) => t.includes(w.usdc.toBase58()));
    await page.getByTestId("mint-select").selectOption(w.usdc.toBase58());
    await page.getByTestId("price-input").fill("2.5");
    await page.getByTestId("supply-input").fill("100");
    await page.getByTestId("duration-input").fill("1");
    await page.getByTestId("duration-unit").selectOption("days");
    await page.getByTestId("license-1").check();
    await page.getByTestId("license-2").check();
    // The split editor starts with the publisher at 10,000 bps.
    for (let i = 1; i < shares.length; i++) await page.getByTestId("add-recipient").click();
    for (const [i, [key, bps]] of shares.entries()) {
      await page.getByTestId(`recipient-address-${i}`).fill(key.toBase58());
      await page.getByTestId(`recipient-bps-${i}`).fill(bps);
    }
  }

  test("a split of 9,999 bps cannot be submitted", async () => {
    const { page } = alicePage;
    await fillDatasetForm(page, [
      [alice.publicKey, "7000"],
      [bob.publicKey, "2000"],
      [carol.publicKey, "999"],
    ]);
    assert.equal(await page.getByTestId("split-total").getAttribute("data-total"), "9999");
    assert.match(await text(page.getByTestId("split-total")), /Total: 9,999 \/ 10,000 bps/);
    assert.equal(await page.getByTestId("publish-button").isDisabled(), true);
    assert.match(await text(page.getByTestId("publish-problems")), /must total exactly 10,000 bps \(now 9,999\)/);
    // Enter in a field submits the form: still refused, nothing is sent.
    await page.getByTestId("recipient-bps-2").press("Enter");
    await page.waitForTimeout(1_500);
    assert.equal(await page.getByTestId("tx-status").count(), 0);
    assert.equal(await accountExists(asset), false);
    await screenshot(page, "02-publish-split-9999-refused");
  });

  test("alice publishes a dataset with a 70/20/10 split", async () => {
    const { page } = alicePage;
    await page.getByTestId("recipient-bps-2").fill("1000");
    assert.equal(await page.getByTestId("split-total").getAttribute("data-total"), "10000");
    assert.match(await text(page.getByTestId("hash-method")), /streamed/);
    assert.equal(await page.getByTestId("content-hash-input").inputValue(), fileHash.toString("hex"));
    await page.getByTestId("publish-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    const signature = await text(page.getByTestId("tx-signature"));
    const href = await page.getByTestId("tx-signature").getAttribute("href");
    assert.ok(href?.startsWith(`https://explorer.solana.com/tx/${signature}?cluster=custom&customUrl=`), href ?? "");
    assert.equal(await page.getByTestId("published-asset").getAttribute("data-address"), asset.toBase58());
    await screenshot(page, "03-publish-success");

    // On chain: the asset, its terms and its split.
    const a = await registry.account.asset.fetch(asset);
    assert.equal(a.publisher.toBase58(), alice.publicKey.toBase58());
    assert.deepEqual(a.kind, { dataset: {} });
    assert.deepEqual(Buffer.from(a.contentHash), fileHash);
    assert.equal(a.uri, "ar://tessera-app-test/corpus");
    assert.equal(a.paymentMint.toBase58(), w.usdc.toBase58());
    assert.equal(BigInt(a.price.toString()), PRICE);
    assert.equal(a.maxSupply.toNumber(), 100);
    assert.equal(a.accessDuration.toNumber(), DAY);
    assert.equal(a.license.flags, 0b011);
    const split = await royalties.account.split.fetch(splitAddress(asset));
    assert.deepEqual(
      split.entries.map((e) => [e.address.toBase58(), e.bps]),
      [
        [alice.publicKey.toBase58(), 7000],
        [bob.publicKey.toBase58(), 2000],
        [carol.publicKey.toBase58(), 1000],
      ],
    );
    // The signature the page shows is the confirmed publication (the status store may lag).
    const tx = await eventually("the transaction", () =>
      connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 }),
    );
    assert.equal(tx.meta?.err, null);
    assert.ok(tx.transaction.message.staticAccountKeys.some((k) => k.equals(asset)));
  });

  test("the catalogue lists the dataset, with server-side filters", async () => {
    const { page } = alicePage;
    await goto(page, "/");
    const row = page.locator(`[data-testid=asset-row][data-asset="${asset.toBase58()}"]`);
    // Kind, price in UI units (once the mint's decimals are known), supply left, state.
    const cells = await eventually("the row with its price", async () => {
      const t = await row.locator("td").allTextContents();
      return t.length === 7 && t[4] !== "…" && !t[4].startsWith("…") ? t : null;
    });
    assert.equal(cells[0], "dataset");
    assert.equal(cells[2], "ar://tessera-app-test/corpus");
    assert.match(cells[4], /^2\.5 /);
    assert.equal(cells[5], "100");
    assert.equal(cells[6], "listed");
    await screenshot(page, "04-catalogue");
    // Each filter: the list reloads (server-side filters) and shows only matching assets.
    const settled = async (what: string, ok: (rows: { asset: string; text: string }[]) => boolean) => {
      await eventually(what, async () => {
        if ((await text(page.getByTestId("catalogue-count"))) === "Loading…") return false;
        const rows = await page.getByTestId("asset-row").evaluateAll((els) =>
          els.map((e) => ({ asset: e.getAttribute("data-asset") ?? "", text: e.textContent ?? "" })),
        );
        const count = await text(page.getByTestId("catalogue-count"));
        return count === `${rows.length} asset${rows.length === 1 ? "" : "s"}` && ok(rows);
      });
    };
    const ours = (rows: { asset: string }[]) => rows.some((r) => r.asset === asset.toBase58());
    await page.getByTestId("filter-kind").selectOption("model");
    await settled("models only", (rows) => !ours(rows) && rows.every((r) => r.text.startsWith("model")));
    await page.getByTestId("filter-kind").selectOption("dataset");
    await settled("datasets only", (rows) => ours(rows) && rows.every((r) => r.text.startsWith("dataset")));
    await page.getByTestId("filter-publisher").fill(bob.publicKey.toBase58());
    await settled("nothing by bob", (rows) => rows.length === 0);
    await page.getByTestId("filter-publisher").fill(alice.publicKey.toBase58());
    await settled("alice's dataset", (rows) => rows.length === 1 && ours(rows));
    await page.getByTestId("filter-min-price").fill("2.51");
    await settled("nothing of alice's above 2.51", (rows) => rows.length === 0);
    await page.getByTestId("filter-min-price").fill("2.5");
    await page.getByTestId("filter-max-price").fill("2.5");
    await settled("alice's dataset at 2.5", (rows) => rows.length === 1 && ours(rows));
    await page.getByTestId("filter-mint").selectOption(w.usdc.toBase58());
    await settled("alice's dataset in this run's mint", (rows) => rows.length === 1 && ours(rows));
  });

  test("a purchase below the price guard shows the program's error (PriceAboveLimit)", async () => {
    buyerPage = await suite.open("buyer", buyer);
    const { page } = buyerPage;
    await goto(page, `/asset/${asset.toBase58()}`);
    await waitForText(page.getByTestId("asset-price"), "the price", (t) => t === "2.5");
    assert.equal(await text(page.getByTestId("supply-left")), "100 of 100");
    await waitForText(page.getByTestId("pass-status"), "no pass yet", (t) => t === "no pass");
    await page.getByTestId("buy-max-price").fill("2.49");
    await page.getByTestId("buy-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "error", outcome.text);
    assert.equal(await text(page.getByTestId("tx-error-name")), "PriceAboveLimit");
    assert.equal(await text(page.getByTestId("tx-error-message")), "The asset's price is above the buyer's max unit price");
    assert.match(outcome.text, /registry error 6028/);
    await screenshot(page, "05-asset-price-guard-error");
    assert.equal(await accountExists(passAddress(asset, buyer.publicKey)), false);
    assert.equal(await tokenBalance(ataAddress(w.usdc, buyer.publicKey)), 20n * USDC);
  });

  test("a purchase beyond the buyer's balance shows the program's error (InsufficientFunds)", async () => {
    const poor = await suite.open("poor buyer", poorBuyer);
    const { page } = poor;
    await goto(page, `/asset/${asset.toBase58()}`);
    await waitForText(page.getByTestId("asset-price"), "the price", (t) => t === "2.5");
    await page.getByTestId("buy-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "error", outcome.text);
    assert.equal(await text(page.getByTestId("tx-error-name")), "InsufficientFunds");
    assert.equal(await text(page.getByTestId("tx-error-message")), "The buyer's token account holds less than the total price");
    await screenshot(page, "06-asset-insufficient-funds-error");
    assert.equal(await accountExists(passAddress(asset, poorBuyer.publicKey)), false);
    assert.equal(await tokenBalance(ataAddress(w.usdc, poorBuyer.publicKey)), 1n * USDC);
  });

  test("the buyer buys 2 access tokens and sees the pass", async () => {
    const { page } = buyerPage;
    const splitVault = vaultAddress(splitAddress(asset));
    const vaultBefore = await tokenBalance(splitVault);
    await page.getByTestId("buy-max-price").fill("2.5");
    await page.getByTestId("buy-quantity").fill("2");
    assert.equal(await text(page.getByTestId("buy-total")), "5");
    await page.getByTestId("buy-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);

    // On chain: the pass, 2 access tokens, 5 paid, the split's vault got 5 − 2.5% fee.
    const pass = await registry.account.accessPass.fetch(passAddress(asset, buyer.publicKey));
    const a = await registry.account.asset.fetch(asset);
    assert.equal(pass.purchased.toNumber(), 2);
    assert.equal(pass.perpetual, false);
    const expiresAt = pass.expiresAt.toNumber();
    const now = await clockNow();
    assert.ok(expiresAt > now + 2 * DAY - 120 && expiresAt <= now + 2 * DAY, `expiry ${expiresAt}, clock ${now}`);
    assert.equal(await tokenBalance(ataAddress(a.accessMint, buyer.publicKey)), 2n);
    assert.equal(await tokenBalance(ataAddress(w.usdc, buyer.publicKey)), 15n * USDC);
    const total = 2n * PRICE;
    const net = total - (total * FEE_BPS) / 10_000n;
    assert.equal((await tokenBalance(splitVault)) - vaultBefore, net);

    // On the page: the pass, its expiry (the on-chain value), the balances, the supply left.
    await waitForText(page.getByTestId("pass-status"), "a valid pass", (t) => t.startsWith("valid until"));
    assert.equal(await page.getByTestId("pass-expiry").getAttribute("data-unix"), String(expiresAt));
    assert.equal(await text(page.getByTestId("pass-expiry")), new Date(expiresAt * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"));
    await waitForText(page.getByTestId("access-balance"), "2 access tokens", (t) => t === "2");
    await waitForText(page.getByTestId("payment-balance"), "the buyer's balance", (t) => t === "15");
    await waitForText(page.getByTestId("supply-left"), "98 left", (t) => t === "98 of 100");
    await screenshot(page, "07-asset-with-pass");
  });

  test("the buyer redeems one access token", async () => {
    const { page } = buyerPage;
    await page.getByTestId("redeem-quantity").fill("1");
    await page.getByTestId("redeem-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    const a = await registry.account.asset.fetch(asset);
    assert.equal(await tokenBalance(ataAddress(a.accessMint, buyer.publicKey)), 1n);
    const pass = await registry.account.accessPass.fetch(passAddress(asset, buyer.publicKey));
    assert.equal(pass.redeemed.toNumber(), 1);
    await waitForText(page.getByTestId("access-balance"), "1 access token", (t) => t === "1");
    await screenshot(page, "08-asset-after-redeem");
  });

  test("bob claims his 20% and sees his balance change", async () => {
    const bobPage = await suite.open("bob", bob);
    const { page } = bobPage;
    const net = 2n * PRICE - (2n * PRICE * FEE_BPS) / 10_000n; // 4.875
    const owed = (net * 2000n) / 10_000n; // 0.975
    await goto(page, "/royalties");
    const group = page.locator(`[data-testid=royalty-mint][data-mint="${w.usdc.toBase58()}"]`);
    const row = group.locator(`[data-testid=royalty-row][data-subject="${asset.toBase58()}"]`);
    await waitForText(row.getByTestId("claimable"), "bob's claimable", (t) => t === "0.975");
    assert.equal(await text(group.getByTestId("mint-balance")), "0");
    assert.equal(owed, 975_000n);
    await screenshot(page, "09-royalties-before-claim");

    await row.getByTestId("claim-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.equal(await tokenBalance(ataAddress(w.usdc, bob.publicKey)), owed);
    await waitForText(group.getByTestId("mint-balance"), "bob's new balance", (t) => t === "0.975");
    await waitForText(row.getByTestId("claimable"), "nothing left to claim", (t) => t === "0");
    assert.equal(await row.getByTestId("claim-button").isDisabled(), true);
    const split = await royalties.account.split.fetch(splitAddress(asset));
    assert.equal(BigInt(split.totalClaimed.toString()), owed);
    await screenshot(page, "10-royalties-after-claim");
  });

  test("alice claims everything with claim-all", async () => {
    const { page } = alicePage;
    const net = 2n * PRICE - (2n * PRICE * FEE_BPS) / 10_000n;
    const owed = (net * 7000n) / 10_000n; // 3.4125
    await goto(page, "/royalties");
    const group = page.locator(`[data-testid=royalty-mint][data-mint="${w.usdc.toBase58()}"]`);
    await waitForText(group.getByTestId("claimable-total"), "alice's claimable", (t) => t === "3.4125");
    await group.getByTestId("claim-all-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.equal(await tokenBalance(ataAddress(w.usdc, alice.publicKey)), owed);
    await waitForText(group.getByTestId("mint-balance"), "alice's new balance", (t) => t === "3.4125");
    await waitForText(group.getByTestId("claimable-total"), "nothing left", (t) => t === "0");
    await screenshot(page, "11-royalties-claim-all");
  });

  test("tokens sent to the split's vault without a deposit show as uncredited; sync credits them; alice claims her 70%", async () => {
    const { page } = alicePage;
    const split = splitAddress(asset);
    const vault = vaultAddress(split);
    const before = await royalties.account.split.fetch(split);
    // Another payment program pays the dataset's royalties by a plain transfer (here: a mint).
    await mintToAccount(vault, w, 1n * USDC);
    await goto(page, "/royalties");
    const group = page.locator(`[data-testid=royalty-mint][data-mint="${w.usdc.toBase58()}"]`);
    const row = group.locator(`[data-testid=royalty-row][data-subject="${asset.toBase58()}"]`);
    await waitForText(row.getByTestId("uncredited"), "the uncredited tokens", (t) => t.includes("1 "));
    assert.equal(await text(row.getByTestId("claimable")), "0");
    await row.getByTestId("sync-button").click();
    let outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    const after = await royalties.account.split.fetch(split);
    assert.equal(BigInt(after.totalReceived.toString()) - BigInt(before.totalReceived.toString()), 1n * USDC);
    await waitForText(row.getByTestId("claimable"), "alice's 70% of it", (t) => t === "0.7");
    assert.equal(await row.getByTestId("uncredited").count(), 0);
    const balance = await tokenBalance(ataAddress(w.usdc, alice.publicKey));
    await row.getByTestId("claim-button").click();
    outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.equal((await tokenBalance(ataAddress(w.usdc, alice.publicKey))) - balance, 700_000n);
    await screenshot(page, "11a-royalties-after-sync");
  });

  test("alice publishes a second version of the dataset; both pages link the versions", async () => {
    const { page } = alicePage;
    const v2File = Buffer.from(`corpus v2 ${Date.now()} ${Math.random()}`);
    const v2 = assetAddress(alice.publicKey, sha256(v2File));
    await goto(page, "/publish");
    await page.getByTestId("kind-dataset").check();
    await page.getByTestId("file-input").setInputFiles({ name: "corpus-v2.bin", mimeType: "application/octet-stream", buffer: v2File });
    await waitForText(page.getByTestId("hash-method"), "v2's hash", (t) => t.includes("corpus-v2.bin"));
    await page.getByTestId("uri-input").fill("ar://tessera-app-test/corpus-v2");
    await waitForText(page.getByTestId("mint-select"), "the allowed mint", (t) => t.includes(w.usdc.toBase58()));
    await page.getByTestId("price-input").fill("3");
    await page.getByTestId("previous-version-input").fill(asset.toBase58());
    await page.getByTestId("publish-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    assert.equal((await registry.account.asset.fetch(v2)).previousVersion?.toBase58(), asset.toBase58());
    assert.equal((await registry.account.asset.fetch(asset)).successor?.toBase58(), v2.toBase58());

    await goto(page, `/asset/${asset.toBase58()}`);
    await page.getByTestId("successor").locator(`[data-address="${v2.toBase58()}"]`).waitFor();
    await goto(page, `/asset/${v2.toBase58()}`);
    await page.getByTestId("previous-version").locator(`[data-address="${asset.toBase58()}"]`).waitFor();
    assert.match(await text(page.getByTestId("successor")), /none \(latest\)/);
  });

  // ---------------------------------------------------------------------------------------------
  // A model trained on the dataset, and a paid inference through the escrow

  const modelFile = Buffer.from(`model weights ${Date.now()} ${Math.random()}`);
  const model = assetAddress(alice.publicKey, sha256(modelFile));
  const dave = Keypair.generate(); // an inference provider
  let davePage: WalletPage;
  const JOB_FEE = 2n * USDC;

  test("alice publishes a model trained on the dataset (30% to its split); lineage both ways", async () => {
    const { page } = alicePage;
    await goto(page, "/publish");
    await page.getByTestId("kind-model").check();
    await page.getByTestId("file-input").setInputFiles({ name: "weights.safetensors", mimeType: "application/octet-stream", buffer: modelFile });
    await waitForText(page.getByTestId("hash-method"), "the weights' hash", (t) => t.includes("weights.safetensors"));
    assert.match(await text(page.getByTestId("hash-method")), /Web Crypto/);
    await page.getByTestId("uri-input").fill("ar://tessera-app-test/model");
    await waitForText(page.getByTestId("mint-select"), "the allowed mint", (t) => t.includes(w.usdc.toBase58()));
    await page.getByTestId("price-input").fill("1");
    await page.getByTestId("royalty-input").fill("1000");
    await page.getByTestId("add-parent").click();
    await page.getByTestId("parent-asset-0").fill(asset.toBase58());
    await page.getByTestId("parent-bps-0").fill("3000");
    await page.getByTestId("publish-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    const m = await registry.account.asset.fetch(model);
    assert.deepEqual(m.kind, { model: {} });
    assert.deepEqual(
      m.parents.map((p) => [p.asset.toBase58(), p.split.toBase58(), p.bps]),
      [[asset.toBase58(), splitAddress(asset).toBase58(), 3000]],
    );
    assert.equal(m.inferenceRoyaltyBps, 1000);
    assert.equal(m.accessDuration.toNumber(), 0);

    await goto(page, `/asset/${model.toBase58()}`);
    const parentRow = page.getByTestId("parents-table").locator("tr", { hasText: "30%" });
    await parentRow.waitFor();
    assert.equal(await parentRow.locator(`[data-address="${asset.toBase58()}"]`).count(), 1);
    await screenshot(page, "12-asset-model-lineage");
    await goto(page, `/asset/${asset.toBase58()}`);
    const child = page.getByTestId("children").locator(`[data-address="${model.toBase58()}"]`);
    await child.waitFor();
    assert.match(await text(page.getByTestId("children")), /ar:\/\/tessera-app-test\/model — 30% of its sales/);
  });

  test("the buyer opens an inference job for the model; dave (a provider) sees its terms, accepts exactly them and delivers from My jobs", async () => {
    await fund([dave.publicKey], 2);
    await mintUsdc(w, dave.publicKey, 5n * USDC);
    const daveProvider = await registerProvider(w, dave, [model], 2n * USDC);

    const { page } = buyerPage;
    const before = await tokenBalance(ataAddress(w.usdc, buyer.publicKey));
    await goto(page, `/asset/${model.toBase58()}`);
    await page.getByTestId("job-fee").fill("2");
    await page.getByTestId("job-input").fill("a prompt");
    await page.getByTestId("open-job-button").click();
    const outcome = await txOutcome(page.getByTestId("open-job"));
    assert.equal(outcome.state, "success", outcome.text);
    const jobKey = new PublicKey((await page.getByTestId("opened-job").getAttribute("data-address"))!);
    const job = await escrow.account.job.fetch(jobKey);
    assert.equal(job.consumer.toBase58(), buyer.publicKey.toBase58());
    assert.equal(job.model.toBase58(), model.toBase58());
    assert.equal(BigInt(job.fee.toString()), JOB_FEE);
    assert.deepEqual(job.state, { open: {} });
    assert.deepEqual(Buffer.from(job.inputCommitment), sha256("a prompt"));
    assert.equal(before - (await tokenBalance(ataAddress(w.usdc, buyer.publicKey))), JOB_FEE);
    await screenshot(page, "13-asset-model-job-opened");

    davePage = await suite.open("dave", dave);
    const dp = davePage.page;
    await goto(dp, "/jobs");
    const row = dp.getByTestId("provider-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "the open job", (t) => t === "open");
    assert.match(await text(row), /accept deadline in \d+m/);
    // Before accepting, dave sees the windows and the slash at stake: 10% of its 2.0 bond (0.2),
    // below the cap of 2 × the fee (4.0).
    const seconds = async (id: string) => Number(await row.getByTestId(id).getAttribute("data-seconds"));
    assert.equal(await seconds("job-delivery-window"), 600);
    assert.equal(await seconds("job-challenge-window"), 600);
    assert.equal(await seconds("job-dispute-window"), 600);
    assert.match(await text(row.getByTestId("job-terms")), /deliver within 10 min of acceptance/);
    const shownSlash = async () => BigInt((await row.getByTestId("job-slash").getAttribute("data-base-units"))!);
    const quoted = expectedSlash(w, JOB_FEE, 2n * USDC);
    assert.equal(quoted, 200_000n);
    assert.equal(await shownSlash(), quoted);
    // In UI units once the mint's decimals have loaded (the base units come first).
    await waitForText(row.getByTestId("job-slash"), "the slash in UI units", (t) => /^0\.2 /.test(t));
    assert.match(await text(row.getByTestId("job-terms")), /if you accept now/);
    await screenshot(dp, "14a-jobs-provider-terms");

    // The terms change behind the page's back (dave bonds 1.0 more: 0.3 would be at stake). The
    // Accept button sends the terms shown (0.2) as its guard: the program refuses.
    await addBond(w, dave, 1n * USDC);
    await row.getByTestId("job-accept").click();
    let o = await txOutcome(dp);
    assert.equal(o.state, "error", o.text);
    assert.equal(await text(dp.getByTestId("tx-error-name")), "SlashAboveLimit");
    assert.deepEqual((await escrow.account.job.fetch(jobKey)).state, { open: {} });
    // Reloaded, the page shows the new quote; accepting it fixes exactly that on the job.
    await goto(dp, "/jobs");
    await waitForText(row.getByTestId("job-state"), "the open job", (t) => t === "open");
    const requoted = expectedSlash(w, JOB_FEE, 3n * USDC);
    await eventually("the new slash quote", async () => (await shownSlash()) === requoted);
    await row.getByTestId("job-accept").click();
    o = await txOutcome(dp);
    assert.equal(o.state, "success", o.text);
    const acceptedJob = await escrow.account.job.fetch(jobKey);
    assert.deepEqual(acceptedJob.state, { accepted: {} });
    assert.equal(BigInt(acceptedJob.slashAmount.toString()), requoted);
    assert.equal(acceptedJob.deliveryWindow, 600);
    assert.equal(acceptedJob.challengeWindow, 600);
    assert.equal((await escrow.account.job.fetch(jobKey)).provider.toBase58(), daveProvider.toBase58());
    await waitForText(row.getByTestId("job-state"), "accepted", (t) => t === "accepted");
    await row.locator("input").fill("the answer");
    await row.getByTestId("job-submit").click();
    o = await txOutcome(dp);
    assert.equal(o.state, "success", o.text);
    const delivered = await escrow.account.job.fetch(jobKey);
    assert.deepEqual(delivered.state, { delivered: {} });
    assert.deepEqual(Buffer.from(delivered.resultCommitment), sha256("the answer"));
    await screenshot(dp, "14-jobs-provider");
  });

  test("the buyer confirms the delivered job: the provider, the model's split and the treasury are paid", async () => {
    const { page } = buyerPage;
    const [job] = await escrow.account.job.all([{ memcmp: { offset: 8, bytes: buyer.publicKey.toBase58() } }]);
    const daveBefore = await tokenBalance(ataAddress(w.usdc, dave.publicKey));
    const modelVault = vaultAddress(splitAddress(model));
    const vaultBefore = await tokenBalance(modelVault);
    await goto(page, "/jobs");
    const row = page.getByTestId("consumer-jobs").locator(`[data-job="${job.publicKey.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "delivered", (t) => t === "delivered");
    assert.match(await text(row), /challenge deadline in \d+m/);
    // The consumer sees the slash fixed on the job when dave accepted (10% of its 3.0 bond).
    assert.equal(BigInt((await row.getByTestId("job-slash").getAttribute("data-base-units"))!), 300_000n);
    assert.match(await text(row.getByTestId("job-terms")), /fixed at acceptance/);
    assert.equal(await row.getByTestId("job-dispute").count(), 1);
    assert.equal(await row.getByTestId("job-refund").count(), 0);
    await screenshot(page, "15-jobs-consumer-delivered");
    await row.getByTestId("job-confirm").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    assert.equal(await accountExists(job.publicKey), false);
    const toTreasury = (JOB_FEE * 100n) / 10_000n;
    const toSplit = (JOB_FEE * 1000n) / 10_000n;
    assert.equal((await tokenBalance(ataAddress(w.usdc, dave.publicKey))) - daveBefore, JOB_FEE - toTreasury - toSplit);
    // The lineage rule (2d77da0): the dataset, the model's parent at 30%, gets its share of the royalty.
    const toParent = (toSplit * 3000n) / 10_000n;
    assert.equal((await tokenBalance(modelVault)) - vaultBefore, toSplit - toParent);
    await row.waitFor({ state: "detached" });
  });

  test("a job nobody accepted is refunded from My jobs once its accept window has passed", async () => {
    const { page } = buyerPage;
    const before = await tokenBalance(ataAddress(w.usdc, buyer.publicKey));
    await goto(page, `/asset/${model.toBase58()}`);
    await page.getByTestId("job-fee").fill("1");
    await page.getByTestId("job-input").fill("nobody will take this");
    await page.getByTestId("job-accept-window").fill("2");
    await page.getByTestId("open-job-button").click();
    const outcome = await txOutcome(page.getByTestId("open-job"));
    assert.equal(outcome.state, "success", outcome.text);
    const jobKey = new PublicKey((await page.getByTestId("opened-job").getAttribute("data-address"))!);
    const job = await escrow.account.job.fetch(jobKey);
    await waitForClock(job.acceptDeadline.toNumber());

    await goto(page, "/jobs");
    const row = page.getByTestId("consumer-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "open", (t) => t === "open");
    await row.getByTestId("job-refund").waitFor();
    assert.equal(await row.getByTestId("job-confirm").count(), 0);
    assert.match(await text(row), /accept deadline passed/);
    await row.getByTestId("job-refund").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    assert.equal(await accountExists(jobKey), false);
    assert.equal(await tokenBalance(ataAddress(w.usdc, buyer.publicKey)), before);
    await screenshot(page, "16-jobs-after-refund");
  });

  // ---------------------------------------------------------------------------------------------
  // Jobs in a Token-2022 payment mint with a 1% transfer fee. The fee on the transfer into a job's
  // vault is withheld in the vault, and Token-2022 refuses to close an account holding withheld
  // fees: every settlement and refund harvests them into the mint first, which needs the mint
  // passed writable (the SDK's flows do; without it each step below fails with MintNotWritable).

  const erin = Keypair.generate(); // a provider bonded in the fee mint
  const feeModelFile = Buffer.from(`fee-mint model ${Date.now()} ${Math.random()}`);
  let feeModel: PublicKey;
  const FEE_JOB = 2n * USDC;
  const fee22 = (owner: PublicKey) => ataAddress(w.feeMint, owner, TOKEN_2022_PROGRAM_ID);

  /** What a Token-2022 job of `fee` settles to: the vault receives the fee net of the transfer fee. */
  const feeJobPayout = (fee: bigint) => {
    const received = fee - transferFee(fee);
    const toTreasury = (received * 100n) / 10_000n;
    const toSplit = (received * 1000n) / 10_000n;
    return { received, toTreasury, toSplit, toProvider: received - toTreasury - toSplit };
  };

  /** erin accepts a job on the terms it reads now and delivers (through the SDK's flows). */
  async function erinDelivers(jobKey: PublicKey, answer: string) {
    await send((await acceptJobFlow(connection, erin.publicKey, jobKey)).instructions, [erin]);
    await send([submitResultInstruction(erin.publicKey, jobKey, sha256(answer))], [erin]);
    assert.deepEqual((await escrow.account.job.fetch(jobKey)).state, { delivered: {} });
  }

  test("a Token-2022 transfer-fee job opened from the model's page is confirmed from My jobs: the vault's withheld fee is harvested into the mint", async () => {
    // On chain, as any client would: alice's model in the fee mint, erin bonded in it.
    const published = await publishFlow(connection, {
      publisher: alice.publicKey,
      paymentMint: w.feeMint,
      args: {
        kind: "model",
        contentHash: sha256(feeModelFile),
        uri: "ar://tessera-app-test/fee-model",
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price: USDC,
        maxSupply: 0,
        accessDuration: 0,
        inferenceRoyaltyBps: 1000,
        inferenceGated: false,
        parents: [],
        recipients: [{ address: alice.publicKey, bps: 10_000 }],
      },
    });
    await send(published.instructions, [alice]);
    feeModel = published.asset;
    await fund([erin.publicKey], 2);
    await mintFeeMint(w, erin.publicKey, 5n * USDC);
    await registerProvider(w, erin, [feeModel], 3n * USDC, w.feeMint);
    await mintFeeMint(w, buyer.publicKey, 10n * USDC);

    // The buyer opens the job from the model's page.
    const { page } = buyerPage;
    const buyerBefore = await tokenBalance(fee22(buyer.publicKey));
    await goto(page, `/asset/${feeModel.toBase58()}`);
    await page.getByTestId("job-fee").fill("2");
    await page.getByTestId("job-input").fill("a prompt paid in the fee mint");
    await page.getByTestId("open-job-button").click();
    const outcome = await txOutcome(page.getByTestId("open-job"));
    assert.equal(outcome.state, "success", outcome.text);
    const jobKey = new PublicKey((await page.getByTestId("opened-job").getAttribute("data-address"))!);
    const opened = await escrow.account.job.fetch(jobKey);
    const payout = feeJobPayout(FEE_JOB);
    assert.equal(opened.mint.toBase58(), w.feeMint.toBase58());
    assert.equal(BigInt(opened.fee.toString()), payout.received);
    assert.equal(buyerBefore - (await tokenBalance(fee22(buyer.publicKey))), FEE_JOB);
    // The transfer fee sits withheld in the job's vault: closing the vault needs a harvest.
    assert.equal(await withheldIn(opened.vault), transferFee(FEE_JOB));
    assert.ok(transferFee(FEE_JOB) > 0n);

    await erinDelivers(jobKey, "an answer in the fee mint");

    const before = {
      erin: await tokenBalance(fee22(erin.publicKey)),
      treasury: await tokenBalance(fee22(w.treasury.publicKey)),
      split: await tokenBalance(vaultAddress(splitAddress(feeModel))),
      harvested: await withheldInMint(w),
    };
    await goto(page, "/jobs");
    const row = page.getByTestId("consumer-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "delivered", (t) => t === "delivered");
    await row.getByTestId("job-confirm").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    await screenshot(page, "17-jobs-fee-mint-confirmed");

    // Settled: the job and its vault are closed, the vault's withheld fee was harvested into
    // the mint, and each payee received its part net of the transfer fee on the way out.
    assert.equal(await accountExists(jobKey), false);
    assert.equal(await accountExists(opened.vault), false);
    assert.equal((await withheldInMint(w)) - before.harvested, transferFee(FEE_JOB));
    assert.equal((await tokenBalance(fee22(erin.publicKey))) - before.erin, payout.toProvider - transferFee(payout.toProvider));
    assert.equal(
      (await tokenBalance(fee22(w.treasury.publicKey))) - before.treasury,
      payout.toTreasury - transferFee(payout.toTreasury),
    );
    assert.equal(
      (await tokenBalance(vaultAddress(splitAddress(feeModel)))) - before.split,
      payout.toSplit - transferFee(payout.toSplit),
    );
    await row.waitFor({ state: "detached" });
  });

  test("a delivered Token-2022 job is released from My jobs once its challenge window has passed", async () => {
    // Opened through the SDK with a 1 s challenge window, so that it can be released in the test.
    const fee = 1n * USDC;
    const opened = await openJobFlow(connection, {
      consumer: buyer.publicKey,
      model: feeModel,
      args: {
        jobId: BigInt(Date.now()),
        fee,
        inputCommitment: sha256("release me"),
        provider: null,
        acceptWindow: 600,
        deliveryWindow: 600,
        challengeWindow: 1,
      },
    });
    await send(opened.instructions, [buyer]);
    await erinDelivers(opened.job, "released answer");
    const job = await escrow.account.job.fetch(opened.job);
    assert.ok((await withheldIn(job.vault)) > 0n);
    await waitForClock(job.challengeDeadline.toNumber());

    const payout = feeJobPayout(fee);
    const erinBefore = await tokenBalance(fee22(erin.publicKey));
    const harvestedBefore = await withheldInMint(w);
    const { page } = buyerPage;
    await goto(page, "/jobs");
    const row = page.getByTestId("consumer-jobs").locator(`[data-job="${opened.job.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "delivered", (t) => t === "delivered");
    await row.getByTestId("job-release").waitFor();
    await row.getByTestId("job-release").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    assert.equal(await accountExists(opened.job), false);
    assert.equal(await accountExists(job.vault), false);
    assert.equal((await withheldInMint(w)) - harvestedBefore, transferFee(fee));
    assert.equal((await tokenBalance(fee22(erin.publicKey))) - erinBefore, payout.toProvider - transferFee(payout.toProvider));
  });

  test("a Token-2022 job nobody accepted is refunded from My jobs: the vault's net balance back, its withheld fee harvested", async () => {
    const { page } = buyerPage;
    const before = await tokenBalance(fee22(buyer.publicKey));
    const harvestedBefore = await withheldInMint(w);
    await goto(page, `/asset/${feeModel.toBase58()}`);
    await page.getByTestId("job-fee").fill("2");
    await page.getByTestId("job-input").fill("nobody will take this one either");
    await page.getByTestId("job-accept-window").fill("2");
    await page.getByTestId("open-job-button").click();
    const outcome = await txOutcome(page.getByTestId("open-job"));
    assert.equal(outcome.state, "success", outcome.text);
    const jobKey = new PublicKey((await page.getByTestId("opened-job").getAttribute("data-address"))!);
    const job = await escrow.account.job.fetch(jobKey);
    await waitForClock(job.acceptDeadline.toNumber());

    await goto(page, "/jobs");
    const row = page.getByTestId("consumer-jobs").locator(`[data-job="${jobKey.toBase58()}"]`);
    await waitForText(row.getByTestId("job-state"), "open", (t) => t === "open");
    await row.getByTestId("job-refund").waitFor();
    await row.getByTestId("job-refund").click();
    const o = await txOutcome(page);
    assert.equal(o.state, "success", o.text);
    assert.equal(await accountExists(jobKey), false);
    assert.equal(await accountExists(job.vault), false);
    const received = FEE_JOB - transferFee(FEE_JOB);
    assert.equal((await withheldInMint(w)) - harvestedBefore, transferFee(FEE_JOB));
    // The consumer paid the fee and got back what the vault held, less the fee on the way back.
    assert.equal(before - (await tokenBalance(fee22(buyer.publicKey))), FEE_JOB - (received - transferFee(received)));
    await screenshot(page, "18-jobs-fee-mint-refunded");
  });

  test("the pages raised no uncaught error", () => {
    for (const p of suite.pages) assert.deepEqual(p.pageErrors, [], `${p.name}'s page`);
  });
});
