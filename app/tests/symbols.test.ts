// Mints show their symbol (issue 18, "Names, not addresses"): the app reads a mint's metadata
// through @tessera/sdk `fetchMintMetadata` (Token-2022's metadata interface, else Metaplex's
// metadata account) and shows the symbol next to every amount; a mint without metadata keeps its
// short address. The full address stays in the tooltip.
// - set-up: a 6-decimal Token-2022 mint WITH the MetadataPointer (naming the mint itself) and
//   TokenMetadata extensions ("Test USD", "tUSD"), added to the registry's payment mints beside
//   the world's SPL Token mint (no metadata) and Token-2022 transfer-fee mint (no metadata);
// - the publish form's payment-mint picker lists "tUSD · <address> (6 decimals)"; a publisher
//   (wallet-standard wallet) picks it by that label and publishes a dataset priced 2.5 tUSD;
//   the registry accepts the mint (its extensions are on the registry's allowed list);
// - a second dataset, priced 1 in the SPL mint, is published through the SDK;
// - the catalogue shows "2.5 tUSD" and "1 <short address>"; the asset pages show the same
//   beside the price and the symbol, name and address of the payment mint.
// Screenshots: app/test-output/60-… to 63-….

import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { after, before, describe, test } from "node:test";

import {
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  createInitializeMetadataPointerInstruction,
  tokenMetadataInitializeWithRentTransfer,
} from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { fetchMintMetadata, publishFlow, updateRegistryConfigInstruction } from "@tessera/sdk";

import { type Suite, type WalletPage, eventually, goto, screenshot, setUpSuite, text, txOutcome, waitForText } from "./browser.ts";
import { USDC, type World, connection, createToken2022Mint, payer, registry, send } from "./chain.ts";

const NAME = "Test USD";
const SYMBOL = "tUSD";
const URI = "https://metadata.example.org/tusd.json";

/** The app's short form of an address (components/Address.tsx `shortKey`). */
const shortKey = (k: PublicKey) => `${k.toBase58().slice(0, 4)}…${k.toBase58().slice(-4)}`;

/**
 * A 6-decimal Token-2022 mint whose metadata lives in the mint: the MetadataPointer extension
 * names the mint itself, then Token-2022's TokenMetadata initialize writes name, symbol and URI
 * (the account grows; the payer tops up its rent). Mint and update authority: the payer.
 */
async function createMetadataMint(): Promise<PublicKey> {
  const mint = await createToken2022Mint([ExtensionType.MetadataPointer], (m) => [
    createInitializeMetadataPointerInstruction(m, payer.publicKey, m, TOKEN_2022_PROGRAM_ID),
  ]);
  await tokenMetadataInitializeWithRentTransfer(
    connection,
    payer,
    mint,
    payer.publicKey,
    payer,
    NAME,
    SYMBOL,
    URI,
    [],
    { commitment: "confirmed" },
    TOKEN_2022_PROGRAM_ID,
  );
  return mint;
}

describe("Mints show their symbol", { concurrency: false }, () => {
  let suite: Suite;
  let w: World;
  let tusd: PublicKey;
  const publisher = Keypair.generate();
  let publisherPage: WalletPage;
  const tusdHash = crypto.randomBytes(32);
  const splHash = crypto.randomBytes(32);
  let tusdAsset: PublicKey;
  let splAsset: PublicKey;

  before(async () => {
    suite = await setUpSuite({ sol: [[publisher, 2]] });
    w = suite.w;
    tusd = await createMetadataMint();
    await send([updateRegistryConfigInstruction(payer.publicKey, { paymentMints: [w.usdc, w.feeMint, tusd] })]);
  });

  after(async () => {
    await suite?.close();
  });

  test("the SDK reads the Token-2022 metadata; the SPL mint has none", async () => {
    assert.deepEqual(await fetchMintMetadata(connection, tusd), { name: NAME, symbol: SYMBOL, uri: URI, source: "token-2022" });
    assert.equal(await fetchMintMetadata(connection, w.usdc), null);
    assert.equal(await fetchMintMetadata(connection, w.feeMint), null);
  });

  test("the publish form's picker names the mint by symbol and address; a dataset is published in tUSD", async () => {
    publisherPage = await suite.open("publisher", publisher);
    const { page } = publisherPage;
    await goto(page, "/publish");
    const picker = page.getByTestId("mint-select");
    const label = `${SYMBOL} · ${tusd.toBase58()} (6 decimals)`;
    await eventually("the picker's tUSD option", async () =>
      (await picker.locator("option").allTextContents()).some((t) => t.trim() === label),
    );
    const options = (await picker.locator("option").allTextContents()).map((t) => t.trim());
    // Mints without metadata: their full address (and decimals), no symbol.
    assert.ok(options.includes(`${w.usdc.toBase58()} (6 decimals)`), JSON.stringify(options));
    assert.ok(options.includes(`${w.feeMint.toBase58()} (6 decimals)`), JSON.stringify(options));
    await picker.selectOption({ label });
    assert.equal(await picker.inputValue(), tusd.toBase58());

    await page.getByTestId("kind-dataset").check();
    await page.getByTestId("content-hash-input").fill(tusdHash.toString("hex"));
    await page.getByTestId("uri-input").fill("ar://tessera-app-symbols/tusd-priced");
    await page.getByTestId("price-input").fill("2.5");
    await page.getByTestId("supply-input").fill("0");
    await page.getByTestId("duration-input").fill("1");
    await page.getByTestId("duration-unit").selectOption("days");
    await screenshot(page, "60-symbols-publish-picker");
    await page.getByTestId("publish-button").click();
    const outcome = await txOutcome(page);
    assert.equal(outcome.state, "success", outcome.text);
    tusdAsset = await eventually("the published asset", async () => {
      const a = await page.getByTestId("published-asset").getAttribute("data-address", { timeout: 1_000 });
      return a ? new PublicKey(a) : null;
    });
    const onChain = await registry.account.asset.fetch(tusdAsset);
    assert.equal(onChain.paymentMint.toBase58(), tusd.toBase58());
    assert.equal(BigInt(onChain.price.toString()), 2_500_000n);

    const published = await publishFlow(connection, {
      publisher: publisher.publicKey,
      paymentMint: w.usdc,
      args: {
        kind: "dataset",
        contentHash: splHash,
        uri: "ar://tessera-app-symbols/spl-priced",
        license: { flags: 1, termsHash: new Uint8Array(32) },
        price: USDC,
        maxSupply: 0,
        accessDuration: 86_400,
        inferenceRoyaltyBps: 0,
        inferenceGated: false,
        parents: [],
        recipients: [{ address: publisher.publicKey, bps: 10_000 }],
      },
    });
    await send(published.instructions, [publisher]);
    splAsset = published.asset;
  });

  test("the catalogue shows 2.5 tUSD, and the SPL mint's short address", async () => {
    const { page } = publisherPage;
    await goto(page, "/");
    const priceCell = (asset: PublicKey) => page.locator(`[data-testid=asset-row][data-asset="${asset.toBase58()}"] td`).nth(4);
    assert.equal(await waitForText(priceCell(tusdAsset), "the tUSD price", (t) => t === `2.5 ${SYMBOL}`), `2.5 ${SYMBOL}`);
    assert.equal(await waitForText(priceCell(splAsset), "the SPL price", (t) => t.startsWith("1 ")), `1 ${shortKey(w.usdc)}`);
    // The full address stays in the tooltip.
    assert.match((await priceCell(tusdAsset).locator(".mint").getAttribute("title")) ?? "", new RegExp(`${tusd.toBase58()}$`));
    assert.equal(await priceCell(splAsset).locator(".mint").getAttribute("title"), w.usdc.toBase58());
    // The payment-mint filter names the mint the same way.
    const filter = (await page.getByTestId("filter-mint").locator("option").allTextContents()).map((t) => t.trim());
    assert.ok(filter.includes(`${SYMBOL} · ${tusd.toBase58()} (6 decimals)`), JSON.stringify(filter));
    await screenshot(page, "61-symbols-catalogue");
  });

  test("the asset pages show the symbol beside the price, and the payment mint's symbol, name and address", async () => {
    const { page } = publisherPage;
    await goto(page, `/asset/${tusdAsset.toBase58()}`);
    await waitForText(page.getByTestId("asset-price"), "the price", (t) => t === "2.5");
    assert.equal(await text(page.getByTestId("asset-price-mint")), SYMBOL);
    assert.equal(await page.getByTestId("asset-price-mint").getAttribute("title"), `${NAME} · ${tusd.toBase58()}`);
    assert.equal(await text(page.getByTestId("payment-mint-symbol")), SYMBOL);
    const details = await text(page.getByTestId("payment-mint-symbol").locator("xpath=.."));
    assert.ok(details.includes(tusd.toBase58()) && details.includes(`(${NAME}, 6 decimals)`), details);
    await screenshot(page, "62-symbols-asset-token-2022");

    await goto(page, `/asset/${splAsset.toBase58()}`);
    await waitForText(page.getByTestId("asset-price"), "the price", (t) => t === "1");
    assert.equal(await text(page.getByTestId("asset-price-mint")), shortKey(w.usdc));
    assert.equal(await page.getByTestId("payment-mint-symbol").count(), 0);
    await screenshot(page, "63-symbols-asset-spl");
    assert.deepEqual(publisherPage.pageErrors, []);
  });
});
