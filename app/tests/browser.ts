// Debian's Chromium driven by playwright-core (no browser download), one browser context per
// wallet (its own localStorage: endpoint setting and local keypair), and small waiting helpers.

import * as fs from "node:fs";
import * as path from "node:path";

import type { Keypair } from "@solana/web3.js";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";

import { APP_URL, RPC_URL } from "./chain.ts";

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

/** A fresh context for `kp`: endpoint set, key imported, Local keypair wallet connected. */
export async function openWallet(browser: Browser, name: string, kp: Keypair): Promise<WalletPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
  });
  await useTestEndpoint(page);
  await importKey(page, kp);
  await selectLocalWallet(page);
  await waitForText(
    page.locator(".wallet-adapter-button-trigger"),
    `${name}'s wallet to connect`,
    (t) => t.includes(shortAddress(kp.publicKey.toBase58())),
  );
  return { name, context, page, pageErrors };
}
