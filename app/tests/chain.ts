// The tests' own view of the chain: a connection to the validator, the upgrade-authority payer,
// the programs from the committed IDLs, PDAs, and the world (configs initialised with
// migrations/deploy.ts; two 6-decimal payment mints on the allow-list: an SPL Token one and a
// Token-2022 one with a 1% transfer fee). Every on-chain assertion reads accounts through this
// module, independently of the app's code; what the tests set up on chain without the app (a
// provider, a job the app then settles) goes through the SDK's flows, as any client would.

import { createHash } from "node:crypto";
import * as fs from "node:fs";

import { AnchorProvider, BN, Program, Wallet } from "@anchor-lang/core";
import {
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  createAssociatedTokenAccountIdempotent,
  createInitializeMintInstruction,
  createInitializeTransferFeeConfigInstruction,
  createMint,
  getAccount,
  getMint,
  getMintLen,
  getTransferFeeAmount,
  getTransferFeeConfig,
  mintTo,
} from "@solana/spl-token";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
} from "@solana/web3.js";

import deployModule from "../../migrations/deploy.ts";
import {
  type TesseraEscrow,
  type TesseraRegistry,
  type TesseraRoyalties,
  assetAddress,
  ataAddress,
  bondFlow,
  bondVaultAddress,
  channelsConfigAddress,
  escrowIdl,
  initializeChannelsConfigInstruction,
  passAddress,
  providerAddress,
  registerProviderFlow,
  registryIdl,
  royaltiesIdl,
  sendFlow,
  splitAddress,
  updateChannelsConfigInstruction,
  updateEscrowConfigInstruction,
  updateRegistryConfigInstruction,
  vaultAddress,
} from "@tessera/sdk";

// migrations/deploy.ts is CommonJS (`module.exports = Object.assign(deploy, { initializeTessera, … })`,
// as `anchor migrate` requires): its named functions are properties of the default export.
const deploy = deployModule as unknown as typeof import("../../migrations/deploy.ts");

export const RPC_URL = process.env.TESSERA_RPC_URL ?? "http://127.0.0.1:8999";
export const APP_URL = process.env.APP_URL ?? "http://127.0.0.1:4179";
export const USDC = 1_000_000n;

function loadPayer(): Keypair {
  const path = process.env.ANCHOR_WALLET;
  if (!path) throw new Error("ANCHOR_WALLET (the validator's upgrade-authority keypair) is not set");
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(path, "utf8")) as number[]));
}

export const connection = new Connection(RPC_URL, { commitment: "confirmed" });
export const payer = loadPayer();
export const provider = new AnchorProvider(connection, new Wallet(payer), {
  commitment: "confirmed",
  preflightCommitment: "confirmed",
});
export const registry = new Program<TesseraRegistry>(registryIdl, provider);
export const royalties = new Program<TesseraRoyalties>(royaltiesIdl, provider);
export const escrow = new Program<TesseraEscrow>(escrowIdl, provider);

// PDAs and associated token accounts: the SDK's (every seed is written once, in sdk/src/pda.ts).
export { assetAddress, passAddress, splitAddress, vaultAddress, ataAddress, providerAddress, bondVaultAddress };

export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function accountExists(address: PublicKey): Promise<boolean> {
  return (await connection.getAccountInfo(address, "confirmed")) !== null;
}

/** A token account's balance (SPL Token or Token-2022), 0n if it does not exist. */
export async function tokenBalance(account: PublicKey): Promise<bigint> {
  const res = await connection.getTokenAccountBalance(account, "confirmed").catch(() => null);
  return res ? BigInt(res.value.amount) : 0n;
}

/** Sends the SDK's instructions (fee payer: the upgrade-authority payer; `signers` sign too). */
export function send(instructions: TransactionInstruction[], signers: Keypair[] = []): Promise<string> {
  return sendFlow(connection, payer, instructions, signers);
}

/** The cluster's Clock::unix_timestamp. */
export async function clockNow(): Promise<number> {
  const info = await connection.getAccountInfo(new PublicKey("SysvarC1ock11111111111111111111111111111111"), "confirmed");
  return Number(info!.data.readBigInt64LE(32));
}

export async function fund(keys: PublicKey[], sol = 2): Promise<void> {
  const tx = new Transaction();
  for (const k of keys) tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: k, lamports: sol * LAMPORTS_PER_SOL }));
  await provider.sendAndConfirm(tx, []);
}

export interface World {
  usdc: PublicKey;
  /** A Token-2022 mint with a transfer fee of FEE_MINT_BPS (at most FEE_MINT_MAX per transfer). */
  feeMint: PublicKey;
  treasury: Keypair;
  /** The escrow's slash share and cap (the app quotes the slash at stake with them). */
  slashBps: number;
  maxSlashFeeMultiple: number;
}

/** The Token-2022 payment mint's transfer fee: 1% of each transfer, at most 1,000 units. */
export const FEE_MINT_BPS = 100n;
export const FEE_MINT_MAX = 1_000n * USDC;

/** The transfer fee Token-2022 withholds on a transfer of `amount` (ceil(amount × bps / 10,000), capped). */
export function transferFee(amount: bigint): bigint {
  const raw = (amount * FEE_MINT_BPS + 9_999n) / 10_000n;
  return raw < FEE_MINT_MAX ? raw : FEE_MINT_MAX;
}

/**
 * A 6-decimal Token-2022 mint (mint authority: the payer) with `extensions`, each initialised by
 * `initialise(mint)`'s instructions between the account's creation and the mint's.
 */
export async function createToken2022Mint(
  extensions: ExtensionType[],
  initialise: (mint: PublicKey) => TransactionInstruction[],
): Promise<PublicKey> {
  const mint = Keypair.generate();
  const space = getMintLen(extensions);
  await provider.sendAndConfirm(
    new Transaction().add(
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        space,
        lamports: await connection.getMinimumBalanceForRentExemption(space),
        programId: TOKEN_2022_PROGRAM_ID,
      }),
      ...initialise(mint.publicKey),
      createInitializeMintInstruction(mint.publicKey, 6, payer.publicKey, null, TOKEN_2022_PROGRAM_ID),
    ),
    [mint],
  );
  return mint.publicKey;
}

/** A 6-decimal Token-2022 mint with the TransferFeeConfig extension (mint authority: the payer; no fee authorities). */
function createTransferFeeMint(): Promise<PublicKey> {
  return createToken2022Mint([ExtensionType.TransferFeeConfig], (mint) => [
    createInitializeTransferFeeConfigInstruction(mint, null, null, Number(FEE_MINT_BPS), FEE_MINT_MAX, TOKEN_2022_PROGRAM_ID),
  ]);
}

/** Mints `amount` of the Token-2022 fee mint to the owner's associated token account. */
export async function mintFeeMint(w: World, owner: PublicKey, amount: bigint): Promise<PublicKey> {
  const account = await createAssociatedTokenAccountIdempotent(
    connection,
    payer,
    w.feeMint,
    owner,
    { commitment: "confirmed" },
    TOKEN_2022_PROGRAM_ID,
  );
  await mintTo(connection, payer, w.feeMint, account, payer, amount, [], { commitment: "confirmed" }, TOKEN_2022_PROGRAM_ID);
  return account;
}

/** The transfer fees withheld in a Token-2022 account of the fee mint (0n once it is closed). */
export async function withheldIn(account: PublicKey): Promise<bigint> {
  try {
    const a = await getAccount(connection, account, "confirmed", TOKEN_2022_PROGRAM_ID);
    return getTransferFeeAmount(a)?.withheldAmount ?? 0n;
  } catch {
    return 0n;
  }
}

/** The transfer fees harvested into the fee mint. */
export async function withheldInMint(w: World): Promise<bigint> {
  const m = await getMint(connection, w.feeMint, "confirmed", TOKEN_2022_PROGRAM_ID);
  return getTransferFeeConfig(m)?.withheldAmount ?? 0n;
}

/**
 * Initialises both configs with migrations/deploy.ts (on a fresh ledger; on a kept one, the
 * same settings through update_config); the registry allows two new 6-decimal mints (SPL Token,
 * and Token-2022 with a transfer fee), both bondable by providers.
 */
export async function setUpWorld(): Promise<World> {
  const usdc = await createMint(connection, payer, payer.publicKey, null, 6, undefined, { commitment: "confirmed" });
  const feeMint = await createTransferFeeMint();
  const treasury = Keypair.generate();
  const settings = {
    registry: { admin: payer.publicKey, treasury: treasury.publicKey, feeBps: 250, paymentMints: [usdc, feeMint] },
    escrow: {
      admin: payer.publicKey,
      treasury: treasury.publicKey,
      arbiter: payer.publicKey,
      feeBps: 100,
      slashBps: 1_000,
      maxSlashFeeMultiple: 2,
      // 1 s: the tests let a job's accept window pass within a test.
      minAcceptWindow: 1,
      minDeliveryWindow: 1,
      minChallengeWindow: 1,
      disputeWindow: 600,
      unbondingDelay: 3_600,
      minBonds: [
        { mint: usdc, minBond: new BN(1_000_000) },
        { mint: feeMint, minBond: new BN(1_000_000) },
      ],
    },
  };
  const result = await deploy.initializeTessera(provider, settings);
  // A validator kept from an earlier run (the payer is its admin): install this run's settings.
  if (!result.registry.created) {
    await send([updateRegistryConfigInstruction(payer.publicKey, { ...settings.registry, paused: false })]);
  }
  if (!result.escrow.created) {
    await send([updateEscrowConfigInstruction(payer.publicKey, settings.escrow)]);
  }
  return { usdc, feeMint, treasury, slashBps: settings.escrow.slashBps, maxSlashFeeMultiple: settings.escrow.maxSlashFeeMultiple };
}

/** Mints `amount` base units of the world's mint to the owner's associated token account. */
export async function mintUsdc(w: World, owner: PublicKey, amount: bigint): Promise<PublicKey> {
  const account = await createAssociatedTokenAccountIdempotent(connection, payer, w.usdc, owner, { commitment: "confirmed" });
  await mintTo(connection, payer, w.usdc, account, payer, amount, [], { commitment: "confirmed" });
  return account;
}

/** Mints `amount` base units of the world's mint straight into `account` (e.g. a split's vault: a plain transfer, no deposit). */
export async function mintToAccount(account: PublicKey, w: World, amount: bigint): Promise<void> {
  await mintTo(connection, payer, w.usdc, account, payer, amount, [], { commitment: "confirmed" });
}

/**
 * Registers `authority` as a provider of `models` bonded in `mint` (default: the world's SPL
 * mint) and bonds `bond` base units (needs that much of the mint).
 */
export async function registerProvider(
  w: World,
  authority: Keypair,
  models: PublicKey[],
  bond: bigint,
  mint: PublicKey = w.usdc,
): Promise<PublicKey> {
  const registered = await registerProviderFlow(connection, authority.publicKey, mint, {
    endpoint: "https://infer.example.org/v1",
    models,
  });
  await send(registered.instructions, [authority]);
  await addBond(w, authority, bond);
  return registered.provider;
}

/** Adds `amount` base units to the provider's bond (from its associated token account of the provider's mint). */
export async function addBond(_w: World, authority: Keypair, amount: bigint): Promise<void> {
  await send((await bondFlow(connection, authority.publicKey, amount)).instructions, [authority]);
}

/** The slash accept_job fixes: min(bond × slash_bps / 10,000, fee × max_slash_fee_multiple). */
export function expectedSlash(w: World, fee: bigint, bond: bigint): bigint {
  const byBond = (bond * BigInt(w.slashBps)) / 10_000n;
  const byFee = fee * BigInt(w.maxSlashFeeMultiple);
  return byBond < byFee ? byBond : byFee;
}

/** Waits until the cluster's clock is at least `unix` (deadlines are checked against it). */
export async function waitForClock(unix: number, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while ((await clockNow()) < unix) {
    if (Date.now() - start > timeoutMs) throw new Error(`the cluster clock did not reach ${unix}`);
    await sleep(250);
  }
  await sleep(500);
}

/** The payment channels' settings the tests install (a short close grace is allowed). */
export interface ChannelsSettings {
  treasury: PublicKey;
  feeBps: number;
  minCloseGrace: number;
  maxCloseGrace: number;
}

/**
 * The channels program's config (tessera-channels `initialize_config`, signed by the upgrade
 * authority; on a ledger where it exists already, the same settings through `update_config`).
 */
export async function setUpChannels(s: ChannelsSettings): Promise<void> {
  const ix = (await accountExists(channelsConfigAddress()))
    ? updateChannelsConfigInstruction(payer.publicKey, { ...s, paused: false })
    : initializeChannelsConfigInstruction(payer.publicKey, { ...s, admin: payer.publicKey });
  await send([ix]);
}

/** The split of a settled amount (tessera_common::lineage::inference_split): every part rounds down, the model's split takes the royalty's dust, the payee the amount's. */
export function inferenceSplit(amount: bigint, feeBps: number, royaltyBps: number, parentBps: number[]) {
  const toTreasury = (amount * BigInt(feeBps)) / 10_000n;
  const royalty = (amount * BigInt(royaltyBps)) / 10_000n;
  const toParents = parentBps.map((b) => (royalty * BigInt(b)) / 10_000n);
  const toModelSplit = royalty - toParents.reduce((a, b) => a + b, 0n);
  return { toTreasury, royalty, toParents, toModelSplit, toPayee: amount - toTreasury - royalty };
}
