// Shared test harness: the provider (from ANCHOR_PROVIDER_URL / ANCHOR_WALLET as `anchor test`
// sets them), the four programs from the committed IDLs, the suite's world (configs initialised
// with migrations/deploy.ts, a USDC-like mint), and helpers for errors, events, the clock, tokens.
// Only standard JSON-RPC is used: the same tests run under `anchor test` on a stock validator.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";

import {
  AnchorError,
  AnchorProvider,
  BN,
  Program,
  Wallet,
} from "@anchor-lang/core";
import {
  Commitment,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SYSVAR_CLOCK_PUBKEY,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionSignature,
} from "@solana/web3.js";
import {
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotent,
  createMint,
  getAccount,
  mintTo,
} from "@solana/spl-token";
import { expect } from "chai";

import {
  type EventDecoder,
  type PublishArgs,
  type TesseraChannels,
  type TesseraEscrow,
  type TesseraRegistry,
  type TesseraRoyalties,
  accessMintAddress,
  assetAddress,
  ataAddress as sdkAtaAddress,
  bondVaultAddress,
  buyAccessInstruction,
  channelsConfigAddress,
  channelsIdl,
  configAddress,
  errorCode,
  errorCodeOf as sdkErrorCodeOf,
  errorNamesOf as sdkErrorNamesOf,
  escrowIdl,
  eventsOf as sdkEventsOf,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
  parkedAddress,
  passAddress,
  providerAddress,
  publishAssetInstruction,
  registryIdl,
  royaltiesIdl,
  splitAddress,
  updateChannelsConfigInstruction,
  updateEscrowConfigInstruction,
  updateRegistryConfigInstruction,
  vaultAddress,
  verifyAccessInstruction,
} from "@tessera/sdk";
import {
  escrowSettingsArgs,
  initializeTessera,
  InitializeResult,
  TesseraSettings,
} from "../migrations/deploy";

export { BN, escrowSettingsArgs };
export type Registry = Program<TesseraRegistry>;
export type Royalties = Program<TesseraRoyalties>;
export type Escrow = Program<TesseraEscrow>;
export type Channels = Program<TesseraChannels>;

/** One unit of the 6-decimal test mint. */
export const USDC = 1_000_000;
export const COMMITMENT: Commitment = "confirmed";

// ---------------------------------------------------------------------------------------------
// Provider and programs

function expandHome(p: string): string {
  return p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
}

/** `AnchorProvider.env()` with defaults: http://127.0.0.1:8899 and ~/.config/solana/id.json. */
export function providerFromEnv(): AnchorProvider {
  const url = process.env.ANCHOR_PROVIDER_URL || "http://127.0.0.1:8899";
  const walletPath = expandHome(process.env.ANCHOR_WALLET || "~/.config/solana/id.json");
  if (!fs.existsSync(walletPath)) {
    throw new Error(`wallet keypair ${walletPath} not found (set ANCHOR_WALLET)`);
  }
  const secret = Uint8Array.from(JSON.parse(fs.readFileSync(walletPath, "utf8")) as number[]);
  const wallet = new Wallet(Keypair.fromSecretKey(secret));
  const connection = new Connection(url, { commitment: COMMITMENT });
  return new AnchorProvider(connection, wallet, {
    commitment: COMMITMENT,
    preflightCommitment: COMMITMENT,
  });
}

export const provider = providerFromEnv();
export const connection = provider.connection;
/** The provider wallet: upgrade authority of the programs, admin of the configs, payer. */
export const payer: Keypair = (provider.wallet as Wallet).payer;

export const registry: Registry = new Program<TesseraRegistry>(
  registryIdl,
  provider,
);
export const royalties: Royalties = new Program<TesseraRoyalties>(
  royaltiesIdl,
  provider,
);
export const escrow: Escrow = new Program<TesseraEscrow>(
  escrowIdl,
  provider,
);
export const channels: Channels = new Program<TesseraChannels>(channelsIdl, provider);

/**
 * Sends the SDK's instructions in one transaction (fee payer: the provider wallet; `signers`
 * sign too) and resolves with the signature once confirmed. A refusal throws the RPC's error,
 * which `expectAnchorError` decodes.
 */
export function send(
  instructions: TransactionInstruction | TransactionInstruction[],
  signers: Keypair[] = [],
): Promise<TransactionSignature> {
  const list = Array.isArray(instructions) ? instructions : [instructions];
  return provider.sendAndConfirm(new Transaction().add(...list), signers);
}

/** The SDK's instructions as a call: `.rpc()` sends them, `.transaction()` is the unsigned transaction. */
export function call(instructions: TransactionInstruction | TransactionInstruction[], signers: Keypair[] = []) {
  const list = Array.isArray(instructions) ? instructions : [instructions];
  return {
    instructions: list,
    transaction: () => new Transaction().add(...list),
    rpc: () => send(list, signers),
  };
}

// ---------------------------------------------------------------------------------------------
// PDAs (the SDK's: every seed is written once, in sdk/src/pda.ts)

export {
  assetAddress,
  accessMintAddress,
  passAddress,
  splitAddress,
  vaultAddress,
  parkedAddress,
  providerAddress,
  bondVaultAddress,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
};

export const registryConfig = configAddress(registry.programId);
export const escrowConfig = configAddress(escrow.programId);
export const channelsConfig = channelsConfigAddress();

// ---------------------------------------------------------------------------------------------
// Errors (the SDK's typed errors: the generated tables of the three programs and Anchor's own)

/** The numeric program error code carried by whatever the client threw, if any. */
export const errorCodeOf = sdkErrorCodeOf;

/** Every name a code has in the three IDLs and in Anchor's own errors (for messages). */
export const errorNamesOf = sdkErrorNamesOf;

/**
 * Awaits `promise` and asserts it failed with the Anchor error `name`: an error of `program`'s
 * IDL (codes ≥ 6000; the same code means different errors in different programs) or of Anchor
 * itself (`LangErrorCode`, codes < 6000). Works with AnchorError (logs available), ProgramError
 * (what `.rpc()` throws after a failed preflight on this host, where program logs are absent)
 * and a raw SendTransactionError.
 */
export async function expectAnchorError(
  promise: Promise<unknown>,
  name: string,
  program: "registry" | "royalties" | "escrow" | "channels",
): Promise<void> {
  let err: unknown = undefined;
  let failed = false;
  try {
    await promise;
  } catch (e) {
    failed = true;
    err = e;
  }
  if (!failed) expect.fail(`expected ${program} error ${name}, but the transaction succeeded`);
  const expected = errorCode(program, name);
  if (expected === undefined) throw new Error(`no error named ${name} in ${program} nor Anchor`);
  const code = errorCodeOf(err);
  if (code !== expected) {
    const got = code === null ? "no program error code" : `${code} (${errorNamesOf(code).join(", ")})`;
    expect.fail(`expected ${program} error ${name} (${expected}), got ${got}: ${String(err)}`);
  }
  if (err instanceof AnchorError) {
    expect(err.error.errorCode.code).to.equal(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Events (emit_cpi!: a self-CPI whose data is Anchor's event tag, then the event)

export interface DecodedEvent {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/**
 * The confirmed transaction. `.rpc()` returned once it was confirmed, but the RPC node's
 * transaction-status store may lag behind (seconds on a loaded machine): retried up to 60 s.
 */
export async function confirmedTransaction(signature: TransactionSignature) {
  for (let i = 0; i < 300; i++) {
    const tx = await connection.getTransaction(signature, {
      commitment: "confirmed",
      maxSupportedTransactionVersion: 0,
    });
    if (tx) return tx;
    await sleep(200);
  }
  throw new Error(`transaction ${signature} not found at confirmed commitment`);
}

/** The events `program` emitted (emit_cpi!) in a confirmed transaction, in order. */
export async function eventsOf(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  program: Program<any>,
  signature: TransactionSignature,
): Promise<DecodedEvent[]> {
  const tx = await confirmedTransaction(signature);
  expect(tx.meta?.err ?? null, `transaction ${signature} failed`).to.equal(null);
  const events = sdkEventsOf(tx, {
    programId: program.programId,
    decoder: program.coder.events as unknown as EventDecoder,
  }) as DecodedEvent[];
  return events;
}

/** The single event named `name` that `program` emitted in the transaction. */
export async function eventOf(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  program: Program<any>,
  signature: TransactionSignature,
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const events = await eventsOf(program, signature);
  const found = events.filter((e) => e.name === name);
  expect(
    found.length,
    `${name} events in ${signature} (found: ${events.map((e) => e.name).join(", ") || "none"})`,
  ).to.equal(1);
  return found[0].data;
}

// ---------------------------------------------------------------------------------------------
// Clock, SOL, tokens

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The cluster's `Clock::unix_timestamp` (read from the clock sysvar). */
export async function clockNow(): Promise<number> {
  const info = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY, "processed");
  if (!info) throw new Error("clock sysvar not found");
  // slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64
  return Number(info.data.readBigInt64LE(32));
}

/** Waits until the on-chain clock is past `unixTimestamp` (deadlines are checked against it). */
export async function waitForClock(unixTimestamp: number, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while ((await clockNow()) < unixTimestamp) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`the cluster clock did not reach ${unixTimestamp} within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
  // One more slot, so that the bank that runs the next transaction is at least this late.
  await sleep(500);
}

/** Sends SOL from the provider wallet to each key (in one transaction). */
export async function fund(keys: PublicKey[], sol = 2): Promise<void> {
  const tx = new Transaction();
  for (const k of keys) {
    tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: k, lamports: sol * LAMPORTS_PER_SOL }));
  }
  await provider.sendAndConfirm(tx, []);
}

/** New keypairs, each funded with `sol` SOL. */
export async function newFundedKeypairs(n: number, sol = 2): Promise<Keypair[]> {
  const kps = Array.from({ length: n }, () => Keypair.generate());
  await fund(kps.map((k) => k.publicKey), sol);
  return kps;
}

export async function tokenBalance(account: PublicKey): Promise<bigint> {
  return (await getAccount(connection, account, COMMITMENT)).amount;
}

export async function accountExists(address: PublicKey): Promise<boolean> {
  return (await connection.getAccountInfo(address, COMMITMENT)) !== null;
}

/** The owner's associated token account of `mint`, created if missing (off-curve owners too). */
export async function ata(mint: PublicKey, owner: PublicKey): Promise<PublicKey> {
  return createAssociatedTokenAccountIdempotent(
    connection,
    payer,
    mint,
    owner,
    { commitment: COMMITMENT },
    TOKEN_PROGRAM_ID,
    undefined,
    true,
  );
}

export const ataAddress = (mint: PublicKey, owner: PublicKey) => sdkAtaAddress(mint, owner);

/** A SHA-256-sized, non-zero content hash unique to this run. */
export function contentHash(label: string): number[] {
  return Array.from(createHash("sha256").update(`${label}:${Date.now()}:${Math.random()}`).digest());
}

// ---------------------------------------------------------------------------------------------
// The world: configs initialised with migrations/deploy.ts, a USDC-like mint on the allow-list

export interface World {
  usdc: PublicKey;
  /** Mint authority of `usdc`. */
  usdcAuthority: Keypair;
  treasury: Keypair;
  treasuryUsdc: PublicKey;
  arbiter: Keypair;
  settings: TesseraSettings;
  init: InitializeResult;
  /** Whether the registry / escrow / channels config existed before this run (not a fresh ledger). */
  preexisting: { registry: boolean; escrow: boolean; channels: boolean };
}

export const REGISTRY_FEE_BPS = 250;
export const ESCROW_FEE_BPS = 100;
export const ESCROW_SLASH_BPS = 2_000;
/** The slash at stake on a job is at most twice its fee (so both caps show in the tests). */
export const ESCROW_MAX_SLASH_FEE_MULTIPLE = 2;
export const ESCROW_MIN_BOND = 1 * USDC;
export const ESCROW_UNBONDING_DELAY = 3_600;
/** The suite's minimum windows: 1 s, so that jobs can miss their deadlines within a test. */
export const ESCROW_MIN_WINDOW = 1;
export const ESCROW_DISPUTE_WINDOW = 600;
export const CHANNELS_FEE_BPS = 150;
/** The suite's shortest close grace: 1 s, so that a channel's grace can end within a test. */
export const CHANNELS_MIN_CLOSE_GRACE = 1;
export const CHANNELS_MAX_CLOSE_GRACE = 86_400;

let worldPromise: Promise<World> | null = null;

/** The suite's world, set up once per mocha run (every test file may call it first). */
export function world(): Promise<World> {
  if (!worldPromise) worldPromise = setUpWorld();
  return worldPromise;
}

async function setUpWorld(): Promise<World> {
  const usdcAuthority = Keypair.generate();
  const treasury = Keypair.generate();
  const arbiter = Keypair.generate();
  await fund([usdcAuthority.publicKey, arbiter.publicKey], 2);
  const usdc = await createMint(connection, payer, usdcAuthority.publicKey, null, 6, undefined, {
    commitment: COMMITMENT,
  });
  const treasuryUsdc = await ata(usdc, treasury.publicKey);
  const preexisting = {
    registry: await accountExists(registryConfig),
    escrow: await accountExists(escrowConfig),
    channels: await accountExists(channelsConfig),
  };

  const admin = payer.publicKey;
  const settings: TesseraSettings = {
    registry: { admin, treasury: treasury.publicKey, feeBps: REGISTRY_FEE_BPS, paymentMints: [usdc] },
    escrow: {
      admin,
      treasury: treasury.publicKey,
      arbiter: arbiter.publicKey,
      feeBps: ESCROW_FEE_BPS,
      slashBps: ESCROW_SLASH_BPS,
      maxSlashFeeMultiple: ESCROW_MAX_SLASH_FEE_MULTIPLE,
      minAcceptWindow: ESCROW_MIN_WINDOW,
      minDeliveryWindow: ESCROW_MIN_WINDOW,
      minChallengeWindow: ESCROW_MIN_WINDOW,
      disputeWindow: ESCROW_DISPUTE_WINDOW,
      unbondingDelay: ESCROW_UNBONDING_DELAY,
      minBonds: [{ mint: usdc, minBond: new BN(ESCROW_MIN_BOND) }],
    },
    channels: {
      admin,
      treasury: treasury.publicKey,
      feeBps: CHANNELS_FEE_BPS,
      minCloseGrace: CHANNELS_MIN_CLOSE_GRACE,
      maxCloseGrace: CHANNELS_MAX_CLOSE_GRACE,
    },
  };
  // The migration itself (what `anchor migrate` runs), with this suite's settings.
  const init = await initializeTessera(provider, settings);

  // On a ledger where the configs already existed, bring them to this run's settings (the
  // provider wallet must be their admin).
  if (!init.registry.created) {
    await send(
      updateRegistryConfigInstruction(admin, {
        treasury: treasury.publicKey,
        feeBps: REGISTRY_FEE_BPS,
        paymentMints: [usdc],
        paused: false,
      }),
    );
  }
  if (!init.escrow.created) {
    await send(updateEscrowConfigInstruction(admin, settings.escrow));
  }
  if (!init.channels.created) {
    const c = settings.channels!;
    await send(
      updateChannelsConfigInstruction(admin, {
        treasury: c.treasury,
        feeBps: c.feeBps,
        minCloseGrace: c.minCloseGrace,
        maxCloseGrace: c.maxCloseGrace,
        paused: false,
      }),
    );
  }
  return { usdc, usdcAuthority, treasury, treasuryUsdc, arbiter, settings, init, preexisting };
}

/** Mints `amount` test USDC to the owner's associated token account (created if missing). */
export async function mintUsdc(w: World, owner: PublicKey, amount: number | bigint): Promise<PublicKey> {
  const account = await ata(w.usdc, owner);
  await mintTo(connection, payer, w.usdc, account, w.usdcAuthority, BigInt(amount), [], {
    commitment: COMMITMENT,
  });
  return account;
}

// ---------------------------------------------------------------------------------------------
// Registry short-hands

export interface PublishOptions {
  kind?: "dataset" | "model";
  price?: number;
  maxSupply?: number;
  accessDuration?: number;
  inferenceRoyaltyBps?: number;
  inferenceGated?: boolean;
  parents?: { asset: PublicKey; bps: number }[];
  recipients: { address: PublicKey; bps: number }[];
  uri?: string;
  licenseFlags?: number;
}

export interface Published {
  asset: PublicKey;
  contentHash: number[];
  accessMint: PublicKey;
  split: PublicKey;
  splitVault: PublicKey;
  signature: TransactionSignature;
}

export function publishArgs(o: PublishOptions, hash: number[]): PublishArgs {
  return {
    kind: o.kind ?? "dataset",
    contentHash: hash,
    uri: o.uri ?? `ar://tessera-ts-test/${Buffer.from(hash.slice(0, 6)).toString("hex")}`,
    license: { flags: o.licenseFlags ?? 1, termsHash: Array(32).fill(7) },
    price: o.price ?? USDC,
    maxSupply: o.maxSupply ?? 0,
    accessDuration: o.accessDuration ?? 0,
    inferenceRoyaltyBps: o.inferenceRoyaltyBps ?? 0,
    inferenceGated: o.inferenceGated ?? false,
    parents: (o.parents ?? []).map((p) => ({ asset: p.asset, bps: p.bps })),
    recipients: o.recipients,
  };
}

/** The SDK's publish_asset of `publisher` in `paymentMint` (default: the world's USDC). */
export function publishInstruction(w: World, publisher: PublicKey, o: PublishOptions, hash: number[], paymentMint?: PublicKey) {
  return publishAssetInstruction({
    publisher,
    paymentMint: paymentMint ?? w.usdc,
    paymentTokenProgram: TOKEN_PROGRAM_ID,
    args: publishArgs(o, hash),
  });
}

export async function publish(w: World, publisher: Keypair, o: PublishOptions): Promise<Published> {
  const hash = contentHash(`publish:${publisher.publicKey.toBase58()}`);
  const built = publishInstruction(w, publisher.publicKey, o, hash);
  const signature = await send(built.instruction, [publisher]);
  return {
    asset: built.asset,
    contentHash: hash,
    accessMint: built.accessMint,
    split: built.split,
    splitVault: built.splitVault,
    signature,
  };
}

/** The buy_access call for `buyer` (its USDC account must exist); parents from the asset. */
export async function buyAccessCall(
  w: World,
  buyer: Keypair,
  assetKey: PublicKey,
  quantity: number,
  maxUnitPrice: number | BN,
  minAccessDuration: number | BN = 0,
) {
  const asset = await registry.account.asset.fetch(assetKey);
  return call(
    buyAccessInstruction({
      buyer: buyer.publicKey,
      assetKey,
      asset,
      paymentTokenProgram: TOKEN_PROGRAM_ID,
      args: { quantity, maxUnitPrice, minAccessDuration },
    }),
    [buyer],
  );
}

/** The verify_access instruction sent as a transaction (fee payer: the provider wallet). */
export function verifyAccessCall(assetKey: PublicKey, holder: PublicKey) {
  return call(verifyAccessInstruction(assetKey, holder));
}

/** `floor(amount × bps / 10,000)` in bigint. */
export const bpsOf = (amount: bigint, bps: number) => (amount * BigInt(bps)) / 10_000n;

/** A BN (or bigint / number) as a bigint, for exact comparisons. */
export const big = (v: BN | bigint | number) => (BN.isBN(v) ? BigInt(v.toString()) : BigInt(v));
