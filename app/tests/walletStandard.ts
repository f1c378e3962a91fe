// A Wallet Standard wallet registered in the page, as Phantom, Solflare or Backpack register
// theirs: `page.addInitScript` runs, before the app's own scripts, a wallet object implementing
// the standard's interfaces (@wallet-standard/base `Wallet`, `WalletAccount`) with the features
// `standard:connect`, `standard:disconnect`, `standard:events`, `solana:signTransaction` (legacy
// and v0) and `solana:signMessage`, and announces it with the standard's registration protocol
// (a `wallet-standard:register-wallet` event, and a listener for `wallet-standard:app-ready`).
// The app's wallet adapter (@solana/wallet-adapter-react) discovers it through
// @wallet-standard/app like any installed wallet, wraps it in its StandardWalletAdapter, and
// every signature of the browser tests goes through that path (browser.ts `openWallet`) — not
// through the app's Local keypair wallet, which only app.test.ts's development test opens.
//
// The wallet holds a test keypair and signs with the page's Web Crypto Ed25519 (no dependency in
// the page). It signs a transaction by reading the wire format (the signature count, the message,
// its header and static keys; a v0 message's version prefix) and writing its signature in its
// slot; it refuses a transaction that does not ask for its key. What it signed is recorded in
// `window.__tesseraTestWallet` for the tests (messages as UTF-8 text, a count of transactions).
//
// The script is plain JavaScript text, not a serialized TypeScript function: the tests run under
// tsx, whose output may reference helpers (e.g. `__name`) that do not exist in the page.

import type { Page } from "playwright-core";

import type { Keypair } from "@solana/web3.js";

export const TEST_WALLET_NAME = "Tessera Test Wallet";

const ICON =
  "data:image/svg+xml;base64," +
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#4f46e5"/>' +
      '<path d="M8 8h16v4H18v12h-4V12H8z" fill="#fff"/></svg>',
  ).toString("base64");

/** The init script registering the wallet for `kp` (chains: the local validator's `solana:localnet`). */
export function walletStandardScript(kp: Keypair, name = TEST_WALLET_NAME): string {
  const config = {
    name,
    icon: ICON,
    address: kp.publicKey.toBase58(),
    publicKey: Array.from(kp.publicKey.toBytes()),
    seed: Array.from(kp.secretKey.subarray(0, 32)),
  };
  return `(() => {
  const cfg = ${JSON.stringify(config)};
  const CHAINS = ["solana:localnet"];
  const log = (window.__tesseraTestWallet = { signedMessages: [], signedTransactions: 0, connects: 0 });
  // PKCS#8 of an Ed25519 private key: a fixed 16-byte prefix, then the 32-byte seed.
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...cfg.seed]);
  let key = null;
  const sign = async (bytes) => {
    key = key || crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, await key, bytes));
  };
  const publicKey = Uint8Array.from(cfg.publicKey);
  // compact-u16 (the wire format's array lengths) at offset o: [value, bytes read]
  const shortU16 = (b, o) => {
    let value = 0;
    for (let size = 0; size < 3; size++) {
      const byte = b[o + size];
      value |= (byte & 0x7f) << (size * 7);
      if ((byte & 0x80) === 0) return [value, size + 1];
    }
    throw new Error("bad compact-u16 in the transaction");
  };
  const signTransaction = async (wire) => {
    const tx = Uint8Array.from(wire);
    const [signatures, lenSize] = shortU16(tx, 0);
    const messageStart = lenSize + 64 * signatures;
    const message = tx.subarray(messageStart);
    let o = message[0] & 0x80 ? 1 : 0; // v0: a version prefix before the header
    const required = message[o];
    o += 3;
    const [keys, keysSize] = shortU16(message, o);
    o += keysSize;
    let slot = -1;
    for (let i = 0; i < Math.min(required, keys, signatures); i++) {
      const k = message.subarray(o + 32 * i, o + 32 * (i + 1));
      if (k.every((b, j) => b === publicKey[j])) slot = i;
    }
    if (slot < 0) throw new Error("this transaction does not ask for the signature of " + cfg.address);
    const signature = await sign(message);
    const out = tx.slice();
    out.set(signature, lenSize + 64 * slot);
    log.signedTransactions += 1;
    return out;
  };
  const listeners = new Set();
  const account = Object.freeze({
    address: cfg.address,
    publicKey,
    chains: CHAINS,
    features: ["solana:signTransaction", "solana:signMessage"],
    label: "test",
  });
  let accounts = [];
  const changed = () => listeners.forEach((l) => l({ accounts: accounts.slice() }));
  const wallet = {
    version: "1.0.0",
    name: cfg.name,
    icon: cfg.icon,
    chains: CHAINS,
    get accounts() {
      return accounts.slice();
    },
    features: {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          log.connects += 1;
          if (accounts.length === 0) {
            accounts = [account];
            changed();
          }
          return { accounts: accounts.slice() };
        },
      },
      "standard:disconnect": {
        version: "1.0.0",
        disconnect: async () => {
          accounts = [];
          changed();
        },
      },
      "standard:events": {
        version: "1.0.0",
        on: (event, listener) => {
          if (event !== "change") return () => {};
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) => {
          const out = [];
          for (const input of inputs) {
            if (input.account.address !== cfg.address) throw new Error("unknown account " + input.account.address);
            if (input.chain && !CHAINS.includes(input.chain)) throw new Error("unsupported chain " + input.chain);
            out.push({ signedTransaction: await signTransaction(input.transaction) });
          }
          return out;
        },
      },
      "solana:signMessage": {
        version: "1.0.0",
        signMessage: async (...inputs) => {
          const out = [];
          for (const input of inputs) {
            if (input.account.address !== cfg.address) throw new Error("unknown account " + input.account.address);
            const message = Uint8Array.from(input.message);
            log.signedMessages.push(new TextDecoder().decode(message));
            out.push({ signedMessage: message, signature: await sign(message) });
          }
          return out;
        },
      },
    },
  };
  // The Wallet Standard's registration (what @wallet-standard/wallet's registerWallet does).
  const callback = ({ register }) => register(wallet);
  class RegisterWalletEvent extends Event {
    constructor() {
      super("wallet-standard:register-wallet", { bubbles: false, cancelable: false, composed: false });
    }
    get detail() {
      return callback;
    }
  }
  try {
    window.dispatchEvent(new RegisterWalletEvent());
  } catch (e) {
    console.error("wallet-standard:register-wallet event could not be dispatched", e);
  }
  window.addEventListener("wallet-standard:app-ready", ({ detail }) => callback(detail));
})();`;
}

/** What the test wallet signed in `page` so far. */
export async function walletLog(page: Page): Promise<{ signedMessages: string[]; signedTransactions: number; connects: number }> {
  return page.evaluate(
    () => (window as unknown as { __tesseraTestWallet: { signedMessages: string[]; signedTransactions: number; connects: number } }).__tesseraTestWallet,
  );
}

// The suites open their wallets' pages with browser.ts `openWallet` (this wallet, chosen in the
// wallet modal); the former name stays for the files that import it from here.
export { openWallet as openStandardWallet } from "./browser.ts";
