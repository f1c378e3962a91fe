// Debian's Chromium driven by playwright-core (no browser download), one browser context per
// wallet (its own localStorage and its own Wallet Standard wallet), the set-up every browser
// suite shares (setUpSuite), and small waiting helpers.
//
// Every suite's wallets are Wallet Standard wallets registered in the page (walletStandard.ts),
// chosen in the wallet adapter's modal as a user picks Phantom: `openWallet`. The app's Local
// keypair wallet (a development convenience) is opened only by app.test.ts's test of it:
// `openLocalWallet`.

import * as fs from "node:fs";
import * as path from "node:path";

import type { Keypair, PublicKey } from "@solana/web3.js";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";

import { APP_URL, RPC_URL, type World, fund, mintUsdc, setUpWorld } from "./chain.ts";
import { TEST_WALLET_NAME, walletStandardScript } from "./walletStandard.ts";

export const OUTPUT_DIR = path.resolve(import.meta.dirname, "..", "test-output");

export interface Launched {
  browser: Browser;
  close: () => Promise<void>;
}

/**
 * The system Chromium. Playwright itself starts it with a fresh temporary --user-data-dir
 * (removed on close) and refuses one given in `args`; every wallet then gets its own incognito
 * context inside it.
 */
export async function launchBrowser(): Promise<Launched> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface WalletPage {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors (asserted empty at the end). */
  pageErrors: string[];
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (then throws). */
export async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const text = async (l: Locator) => ((await l.textContent()) ?? "").trim();

/** Waits until the locator's text satisfies `ok`, and returns it. */
export async function waitForText(l: Locator, what: string, ok: (t: string) => boolean, timeoutMs = 60_000): Promise<string> {
  let last: string | undefined;
  try {
    const found = await eventually(
      what,
      async () => {
        last = await text(l.first());
        return ok(last) ? last || " " : null;
      },
      timeoutMs,
    );
    return found.trim();
  } catch (e) {
    throw new Error(`${(e as Error).message} (last text seen: ${last === undefined ? "none" : JSON.stringify(last)})`);
  }
}

/** Waits for the transaction status box (in `scope`) to settle; returns its state and text. */
export async function txOutcome(scope: Page | Locator, timeoutMs = 90_000): Promise<{ state: string; text: string }> {
  const box = scope.getByTestId("tx-status");
  const state = await eventually(
    "the transaction to settle",
    async () => {
      const s = await box.getAttribute("data-state", { timeout: 1_000 });
      return s === "success" || s === "error" ? s : null;
    },
    timeoutMs,
  );
  return { state, text: await text(box) };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Opens `route` (a hash route: no page reload, the app keeps its state). A page already on
 * `route` is first taken to another route, so that it mounts again and reads the chain afresh
 * (the same hash again is no navigation at all).
 */
export async function goto(page: Page, route: string): Promise<void> {
  const url = `${APP_URL}/#${route}`;
  if (page.url() === url) await page.goto(`${APP_URL}/#${route === "/" ? "/settings" : "/"}`);
  await page.goto(url);
}

/** Points the app at the tests' validator (a custom URL on 127.0.0.1). */
export async function useTestEndpoint(page: Page): Promise<void> {
  await goto(page, "/settings");
  await page.getByTestId("endpoint-kind").selectOption("custom");
  await page.getByTestId("endpoint-url").fill(RPC_URL);
  await page.getByTestId("endpoint-save").click();
  await waitForText(page.getByTestId("endpoint-in-use"), "the endpoint in use", (t) => t === RPC_URL);
}

/** Imports the key in Settings (the JSON byte array), as a developer would. */
export async function importKey(page: Page, kp: Keypair): Promise<void> {
  await goto(page, "/settings");
  await page.getByTestId("secret-key-input").fill(JSON.stringify(Array.from(kp.secretKey)));
  await page.getByTestId("import-key").click();
  await waitForText(page.getByTestId("local-pubkey"), "the imported key", (t) => t === kp.publicKey.toBase58());
}

/** Opens the wallet modal and picks "Local keypair". */
export async function selectLocalWallet(page: Page): Promise<void> {
  await page.locator(".wallet-adapter-button-trigger").first().click();
  await page.locator(".wallet-adapter-modal-list li").filter({ hasText: "Local keypair" }).first().click();
}

const shortAddress = (k: string) => `${k.slice(0, 4)}..${k.slice(-4)}`;

/** A fresh context (downloads accepted) whose pages collect their errors; `init` runs before the app's scripts. */
async function newWalletContext(browser: Browser, init?: string): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  if (init) await context.addInitScript({ content: init });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
  });
  return { context, page, pageErrors };
}

/** Waits until the wallet button shows `kp`'s short address (the adapter connected it). */
async function waitConnected(page: Page, name: string, kp: Keypair): Promise<void> {
  await waitForText(
    page.locator(".wallet-adapter-button-trigger"),
    `${name}'s wallet to connect`,
    (t) => t.includes(shortAddress(kp.publicKey.toBase58())),
  );
}

/**
 * A fresh browser context whose pages have the Wallet Standard test wallet for `kp` installed
 * (walletStandard.ts); the app's endpoint is set to the tests' validator and the wallet is chosen
 * in the wallet modal (listed as a detected wallet) and connected, as a user with Phantom would.
 * Every signature of the page then goes through the adapter's StandardWalletAdapter.
 */
export async function openWallet(browser: Browser, name: string, kp: Keypair): Promise<WalletPage> {
  const { context, page, pageErrors } = await newWalletContext(browser, walletStandardScript(kp));
  await useTestEndpoint(page);
  await page.locator(".wallet-adapter-button-trigger").first().click();
  await page.locator(".wallet-adapter-modal-list li").filter({ hasText: TEST_WALLET_NAME }).first().click();
  await waitConnected(page, name, kp);
  return { name, context, page, pageErrors };
}

/** A fresh context for `kp` with the app's Local keypair wallet (development only): endpoint set, key imported, connected. */
export async function openLocalWallet(browser: Browser, name: string, kp: Keypair): Promise<WalletPage> {
  const { context, page, pageErrors } = await newWalletContext(browser);
  await useTestEndpoint(page);
  await importKey(page, kp);
  await selectLocalWallet(page);
  await waitConnected(page, name, kp);
  return { name, context, page, pageErrors };
}

/** Who gets what before a suite's tests: SOL (whole SOL) and the world's 6-decimal mint (base units). */
export interface Funding {
  sol?: [Keypair | PublicKey, number][];
  usdc?: [Keypair | PublicKey, bigint][];
}

/** What every browser suite starts from (setUpSuite). */
export interface Suite {
  /** The configs and payment mints (chain.ts setUpWorld). */
  w: World;
  browser: Browser;
  /** Every page opened through `open` (closed by `close`). */
  pages: WalletPage[];
  /** A wallet's page through the Wallet Standard wallet (openWallet), kept in `pages`. */
  open: (name: string, kp: Keypair) => Promise<WalletPage>;
  /** Keeps a page opened otherwise (closed and checked with the others). */
  keep: (p: WalletPage) => WalletPage;
  /** Closes the pages and the browser. */
  close: () => Promise<void>;
}

const keyOf = (k: Keypair | PublicKey): PublicKey => ("secretKey" in k ? k.publicKey : k);

/**
 * The set-up every browser suite shares: the world (configs through migrations/deploy.ts, the
 * two payment mints), the wallets funded with SOL and the world's SPL mint, and Chromium.
 * Call it in `before`, and `close` in `after`.
 */
export async function setUpSuite(funding: Funding = {}): Promise<Suite> {
  const w = await setUpWorld();
  const bySol = new Map<number, PublicKey[]>();
  for (const [k, sol] of funding.sol ?? []) bySol.set(sol, [...(bySol.get(sol) ?? []), keyOf(k)]);
  for (const [sol, keys] of bySol) await fund(keys, sol);
  for (const [k, amount] of funding.usdc ?? []) await mintUsdc(w, keyOf(k), amount);
  const launched = await launchBrowser();
  const pages: WalletPage[] = [];
  const keep = (p: WalletPage) => {
    pages.push(p);
    return p;
  };
  return {
    w,
    browser: launched.browser,
    pages,
    keep,
    open: async (name, kp) => keep(await openWallet(launched.browser, name, kp)),
    close: async () => {
      for (const p of pages) await p.context.close().catch(() => {});
      await launched.close();
    },
  };
}
