// The tests' own view of the chain: a connection to the validator, the upgrade-authority payer,
// the programs from the committed IDLs, PDAs, and the world (configs initialised with
// migrations/deploy.ts, a 6-decimal payment mint on the allow-list). Every on-chain assertion
// reads accounts through this module, independently of the app's code.

import { createHash } from "node:crypto";
import * as fs from "node:fs";

import { AnchorProvider, BN, Program, Wallet } from "@anchor-lang/core";
import {
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotent,
  createMint,
  getAccount,
  mintTo,
} from "@solana/spl-token";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";

import deployModule from "../../migrations/deploy.ts";
import {
  type TesseraEscrow,
  type TesseraRegistry,
  type TesseraRoyalties,
  assetAddress,
  ataAddress,
  bondVaultAddress,
  escrowIdl,
  passAddress,
  providerAddress,
  registryIdl,
  royaltiesIdl,
  splitAddress,
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

/** A token account's balance, 0n if it does not exist. */
export async function tokenBalance(account: PublicKey): Promise<bigint> {
  try {
    return (await getAccount(connection, account, "confirmed")).amount;
  } catch {
    return 0n;
  }
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
  treasury: Keypair;
  /** The escrow's slash share and cap (the app quotes the slash at stake with them). */
  slashBps: number;
  maxSlashFeeMultiple: number;
}

/**
 * Initialises both configs with migrations/deploy.ts (on a fresh ledger; on a kept one, the
 * same settings through update_config); the registry allows one new 6-decimal mint.
 */
export async function setUpWorld(): Promise<World> {
  const usdc = await createMint(connection, payer, payer.publicKey, null, 6, undefined, { commitment: "confirmed" });
  const treasury = Keypair.generate();
  const settings = {
    registry: { admin: payer.publicKey, treasury: treasury.publicKey, feeBps: 250, paymentMints: [usdc] },
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
      minBonds: [{ mint: usdc, minBond: new BN(1_000_000) }],
    },
  };
  const result = await deploy.initializeTessera(provider, settings);
  // A validator kept from an earlier run (the payer is its admin): install this run's settings.
  if (!result.registry.created) {
    const configAddress = deploy.configAddress(registry.programId);
    await registry.methods
      .updateConfig({ treasury: treasury.publicKey, feeBps: 250, paymentMints: [usdc], paused: false })
      .accountsPartial({ admin: payer.publicKey, config: configAddress })
      .rpc();
  }
  if (!result.escrow.created) {
    await escrow.methods
      .updateConfig(deploy.escrowSettingsArgs(settings.escrow))
      .accountsPartial({ admin: payer.publicKey, config: deploy.configAddress(escrow.programId) })
      .rpc();
  }
  return { usdc, treasury, slashBps: settings.escrow.slashBps, maxSlashFeeMultiple: settings.escrow.maxSlashFeeMultiple };
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

/** Registers `authority` as a provider of `models` and bonds `bond` base units (needs that much of the mint). */
export async function registerProvider(w: World, authority: Keypair, models: PublicKey[], bond: bigint): Promise<PublicKey> {
  const providerKey = providerAddress(authority.publicKey);
  const bondVault = bondVaultAddress(providerKey);
  await escrow.methods
    .registerProvider({ endpoint: "https://infer.example.org/v1", models })
    .accountsPartial({ authority: authority.publicKey, provider: providerKey, mint: w.usdc, bondVault, tokenProgram: TOKEN_PROGRAM_ID })
    .signers([authority])
    .rpc();
  await addBond(w, authority, bond);
  return providerKey;
}

/** Adds `amount` base units to the provider's bond (from its associated token account). */
export async function addBond(w: World, authority: Keypair, amount: bigint): Promise<void> {
  const providerKey = providerAddress(authority.publicKey);
  await escrow.methods
    .bond(new BN(amount.toString()))
    .accountsPartial({
      authority: authority.publicKey,
      provider: providerKey,
      bondVault: bondVaultAddress(providerKey),
      source: ataAddress(w.usdc, authority.publicKey),
      mint: w.usdc,
      tokenProgram: TOKEN_PROGRAM_ID,
    })
    .signers([authority])
    .rpc();
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
