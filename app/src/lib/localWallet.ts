// "Local keypair": a wallet adapter holding a secret key in localStorage, for local development
// and tests only. It refuses to connect unless the RPC endpoint is this machine's validator
// (localhost / 127.0.0.1), so a key kept in a browser's storage never signs on a real cluster.

import { ed25519 } from "@noble/curves/ed25519.js";
import {
  BaseMessageSignerWalletAdapter,
  WalletConnectionError,
  WalletKeypairError,
  type WalletName,
  WalletNotConnectedError,
  WalletReadyState,
} from "@solana/wallet-adapter-base";
import { Keypair, PublicKey, Transaction, type TransactionVersion, VersionedTransaction } from "@solana/web3.js";

import { isLocalEndpoint } from "./cluster";

export const LocalKeypairWalletName = "Local keypair" as WalletName<"Local keypair">;

const STORAGE_KEY = "tessera.localKeypair";

export const LOCAL_ONLY_MESSAGE =
  "The local keypair wallet works only with a validator on this machine (localhost / 127.0.0.1). " +
  "Use a browser wallet (Phantom, Solflare, Backpack…) for devnet or a remote cluster.";

/** Parses a secret key given as Solana CLI's JSON byte array (64 numbers). Throws if invalid. */
export function parseSecretKey(text: string): Keypair {
  let bytes: unknown;
  try {
    bytes = JSON.parse(text);
  } catch {
    throw new Error("Not JSON: paste the keypair file's content, a JSON array of 64 numbers");
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error("Expected a JSON array of 64 bytes (a Solana CLI keypair file)");
  }
  return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
}

export function loadStoredKeypair(): Keypair | null {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    return parseSecretKey(raw);
  } catch {
    return null;
  }
}

export function storeKeypair(kp: Keypair): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(Array.from(kp.secretKey)));
}

export function forgetStoredKeypair(): void {
  localStorage.removeItem(STORAGE_KEY);
}

const ICON =
  "data:image/svg+xml;base64," +
  btoa(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#334155"/>' +
      '<circle cx="12" cy="16" r="5" fill="none" stroke="#f8fafc" stroke-width="2.5"/>' +
      '<path d="M17 16h10M23 16v4M27 16v3" stroke="#f8fafc" stroke-width="2.5"/></svg>',
  );

export class LocalKeypairWalletAdapter extends BaseMessageSignerWalletAdapter {
  name = LocalKeypairWalletName;
  url = "https://docs.solana.com/cli/wallets/file-system";
  icon = ICON;
  supportedTransactionVersions: ReadonlySet<TransactionVersion> = new Set(["legacy", 0] as const);

  private keypair: Keypair | null = null;
  private isConnecting = false;

  /** `endpoint` returns the RPC URL in use now (the adapter outlives endpoint changes). */
  constructor(private readonly endpoint: () => string) {
    super();
  }

  get publicKey(): PublicKey | null {
    return this.keypair?.publicKey ?? null;
  }

  get connecting(): boolean {
    return this.isConnecting;
  }

  get readyState(): WalletReadyState {
    return typeof window === "undefined" ? WalletReadyState.Unsupported : WalletReadyState.Installed;
  }

  async connect(): Promise<void> {
    if (this.connected || this.isConnecting) return;
    this.isConnecting = true;
    try {
      if (!isLocalEndpoint(this.endpoint())) throw new WalletConnectionError(LOCAL_ONLY_MESSAGE);
      const kp = loadStoredKeypair();
      if (!kp) throw new WalletKeypairError("No local keypair yet: import or generate one in Settings");
      this.keypair = kp;
      this.emit("connect", kp.publicKey);
    } catch (error) {
      this.emit("error", error as WalletConnectionError);
      throw error;
    } finally {
      this.isConnecting = false;
    }
  }

  /** Switches to the key now in storage (after an import), keeping the connection. */
  reload(): void {
    if (!this.keypair) return;
    const kp = loadStoredKeypair();
    if (!kp) {
      void this.disconnect();
      return;
    }
    this.keypair = kp;
    this.emit("connect", kp.publicKey);
  }

  async disconnect(): Promise<void> {
    if (!this.keypair) return;
    this.keypair = null;
    this.emit("disconnect");
  }

  async signTransaction<T extends Transaction | VersionedTransaction>(transaction: T): Promise<T> {
    const kp = this.keypair;
    if (!kp) throw new WalletNotConnectedError();
    if (!isLocalEndpoint(this.endpoint())) throw new WalletConnectionError(LOCAL_ONLY_MESSAGE);
    if (transaction instanceof VersionedTransaction) transaction.sign([kp]);
    else transaction.partialSign(kp);
    return transaction;
  }

  /**
   * Signs `message` as it is (a detached ed25519 signature, 64 bytes), as wallet-standard
   * wallets' signMessage does: e.g. a payment channel's 50-byte voucher.
   */
  async signMessage(message: Uint8Array): Promise<Uint8Array> {
    const kp = this.keypair;
    if (!kp) throw new WalletNotConnectedError();
    if (!isLocalEndpoint(this.endpoint())) throw new WalletConnectionError(LOCAL_ONLY_MESSAGE);
    return ed25519.sign(message, kp.secretKey.slice(0, 32));
  }
}
