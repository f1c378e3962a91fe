// Flows: the instructions of each user action, as the Rust client's flows (client/src/flows.rs,
// client/src/ix/*.rs) build them. Two layers:
//   - instruction builders (`…Instruction`): synchronous, one @solana/web3.js 1.x
//     TransactionInstruction each, encoded by the generated core (Codama) with every account
//     derived here from the SDK's PDAs and account defaults; remaining accounts (publish's
//     parents, buy's parents' splits and vaults) appended in the order the programs read them;
//   - flows (`…Flow`): read what the action needs from the chain (the job, its provider, the
//     config's treasury, the mint's token program) and prepend the creation of any missing
//     associated token account, like the Rust flows.
// Nothing here signs or sends; `sendFlow` is an optional helper for Node scripts and tests.
//
// The Token-2022 rule: a settlement (confirm, release, resolve, settle) or a refund harvests the
// job vault's withheld transfer fees into the mint before closing the vault
// (programs/tessera-escrow/src/settlement.rs `harvest_job_vault`), which needs the mint writable;
// for a Token-2022 mint these builders mark it so (the Rust client's `with_writable_mint`).

import {
  type Address,
  type Instruction,
  type ReadonlyUint8Array,
  address,
  createNoopSigner,
  isSignerRole,
  isWritableRole,
} from "@solana/kit";
import {
  type Commitment,
  type Connection,
  type Signer,
  PublicKey,
  Transaction,
  TransactionInstruction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";

import * as reg from "./generated/registry";
import * as roy from "./generated/royalties";
import * as esc from "./generated/escrow";
import {
  accessMintAddress,
  assetAddress,
  ataAddress,
  bondVaultAddress,
  escrowConfigAddress,
  eventAuthorityAddress,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
  parkedAddress,
  passAddress,
  feeVaultAddress,
  programDataAddress,
  providerAddress,
  registryConfigAddress,
  splitAddress,
  vaultAddress,
} from "./pda";
import { createAtaIdempotentInstruction, tokenProgramOf } from "./accounts";
import {
  ESCROW_PROGRAM_ID,
  REGISTRY_PROGRAM_ID,
  ROYALTIES_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from "./programs";

// ---------------------------------------------------------------------------------------------
// Conversions between web3.js 1.x and the generated core (@solana/kit)

/** A u64/i64 as a number, a bigint, or anything whose toString() is its decimal value (a BN). */
export type U64 = number | bigint | { toString(): string };
/** 32 bytes. */
export type Bytes32 = ArrayLike<number>;

// (big, addr, signer, key, cpiEvents, royaltiesCpi, readAccount: also used by channels.ts; not
// re-exported by the package.)
export const big = (v: U64): bigint => (typeof v === "bigint" ? v : BigInt(v.toString()));
export const addr = (k: PublicKey): Address => address(k.toBase58());
const optAddr = (k: PublicKey | null | undefined): Address | undefined => (k ? addr(k) : undefined);
/** A signer for building only: the generated builders mark its account as signing. */
export const signer = (k: PublicKey) => createNoopSigner(addr(k));
const bytes = (b: Bytes32): ReadonlyUint8Array => Uint8Array.from(b);
export const key = (a: Address | string) => new PublicKey(a);

/** A generated (kit) instruction as a web3.js 1.x TransactionInstruction. */
export function toWeb3Instruction(ix: Instruction): TransactionInstruction {
  return new TransactionInstruction({
    programId: key(ix.programAddress),
    keys: (ix.accounts ?? []).map((m) => ({
      pubkey: key(m.address),
      isSigner: isSignerRole(m.role),
      isWritable: isWritableRole(m.role),
    })),
    data: Buffer.from(ix.data ?? new Uint8Array()),
  });
}

/** `programId`'s `emit_cpi!` accounts: its event authority and itself. */
export const cpiEvents = (programId: PublicKey) => ({
  eventAuthority: addr(eventAuthorityAddress(programId)),
  program: addr(programId),
});
const registryEvents = () => cpiEvents(REGISTRY_PROGRAM_ID);
const royaltiesEvents = () => cpiEvents(ROYALTIES_PROGRAM_ID);
const escrowEvents = () => cpiEvents(ESCROW_PROGRAM_ID);
/** What the registry and the escrow pass to the royalties program's deposit. */
export const royaltiesCpi = () => ({
  royaltiesProgram: addr(ROYALTIES_PROGRAM_ID),
  royaltiesEventAuthority: addr(eventAuthorityAddress(ROYALTIES_PROGRAM_ID)),
});

/**
 * In Token-2022, a settlement or refund harvests the job vault's withheld transfer fees into the
 * mint before closing the vault, which needs the mint writable: marks it so.
 */
export function withWritableMint(ix: TransactionInstruction, mint: PublicKey, tokenProgram: PublicKey) {
  if (tokenProgram.equals(TOKEN_2022_PROGRAM_ID)) {
    for (const k of ix.keys) if (k.pubkey.equals(mint)) k.isWritable = true;
  }
  return ix;
}

// ---------------------------------------------------------------------------------------------
// Decoded accounts: the fields the builders read. Anchor-decoded accounts (PublicKey fields) fit
// as they are; the flows read them with the generated decoders.

/** An asset's fields that purchases and jobs need. */
export interface AssetRef {
  paymentMint: PublicKey;
  accessMint: PublicKey;
  split: PublicKey;
  parents: readonly { split: PublicKey }[];
  inferenceGated: boolean;
}

/** A split's mint and vault. */
export interface SplitRef {
  mint: PublicKey;
  vault: PublicKey;
}

/** A job's fields that its settlement and refund need. */
export interface JobRef {
  consumer: PublicKey;
  model: PublicKey;
  mint: PublicKey;
  vault: PublicKey;
  /** The provider account that accepted (the default key until accepted). */
  provider: PublicKey;
  modelSplit: PublicKey;
}

/** A job's terms a provider accepts (accept_job's guards). */
export interface JobTermsRef {
  inputCommitment: Bytes32;
  fundedAt: U64;
  fee: U64;
  deliveryWindow: number;
  challengeWindow: number;
}

export async function readAccount<T>(
  connection: Connection,
  account: PublicKey,
  what: string,
  decode: (data: Uint8Array) => T,
  commitment: Commitment = "confirmed",
): Promise<T> {
  const info = await connection.getAccountInfo(account, commitment);
  if (!info) throw new Error(`${what} ${account.toBase58()} not found`);
  return decode(new Uint8Array(info.data));
}

/** The registry config: its treasury and allowed payment mints. */
export async function fetchRegistryConfig(connection: Connection) {
  const c = await readAccount(connection, registryConfigAddress(), "registry config", (d) =>
    reg.getConfigDecoder().decode(d),
  );
  return { ...c, admin: key(c.admin), treasury: key(c.treasury), paymentMints: c.paymentMints.map(key) };
}

/** The escrow config: its treasury, arbiter, dispute window and slash settings. */
export async function fetchEscrowConfig(connection: Connection) {
  const c = await readAccount(connection, escrowConfigAddress(), "escrow config", (d) =>
    esc.getEscrowConfigDecoder().decode(d),
  );
  return { ...c, admin: key(c.admin), treasury: key(c.treasury), arbiter: key(c.arbiter) };
}

/** An asset (registry). */
export async function fetchAsset(connection: Connection, asset: PublicKey) {
  const a = await readAccount(connection, asset, "asset", (d) => reg.getAssetDecoder().decode(d));
  return {
    ...a,
    publisher: key(a.publisher),
    accessMint: key(a.accessMint),
    paymentMint: key(a.paymentMint),
    split: key(a.split),
    parents: a.parents.map((p) => ({ asset: key(p.asset), split: key(p.split), bps: p.bps })),
  };
}

/** A split (royalties). */
export async function fetchSplit(connection: Connection, split: PublicKey) {
  const s = await readAccount(connection, split, "split", (d) => roy.getSplitDecoder().decode(d));
  return { ...s, subject: key(s.subject), authority: key(s.authority), mint: key(s.mint), vault: key(s.vault) };
}

/** A provider (escrow). */
export async function fetchProvider(connection: Connection, provider: PublicKey) {
  const p = await readAccount(connection, provider, "provider", (d) => esc.getProviderDecoder().decode(d));
  return { ...p, authority: key(p.authority), mint: key(p.mint), bondVault: key(p.bondVault) };
}

/** A job (escrow). */
export async function fetchJob(connection: Connection, job: PublicKey) {
  const j = await readAccount(connection, job, "job", (d) => esc.getJobDecoder().decode(d));
  return {
    ...j,
    consumer: key(j.consumer),
    model: key(j.model),
    mint: key(j.mint),
    vault: key(j.vault),
    provider: key(j.provider),
    modelSplit: key(j.modelSplit),
    arbiter: key(j.arbiter),
  };
}

/** `owner`'s associated token account of `mint`, and its creation when it does not exist yet. */
export async function ensureAta(
  connection: Connection,
  payer: PublicKey,
  mint: PublicKey,
  owner: PublicKey,
  tokenProgram: PublicKey,
): Promise<{ address: PublicKey; create: TransactionInstruction[] }> {
  const account = ataAddress(mint, owner, tokenProgram);
  const exists = (await connection.getAccountInfo(account, "confirmed")) !== null;
  return {
    address: account,
    create: exists ? [] : [createAtaIdempotentInstruction(payer, owner, mint, tokenProgram)],
  };
}

// ---------------------------------------------------------------------------------------------
// Registry

export interface RegistryConfigArgs {
  admin: PublicKey;
  treasury: PublicKey;
  feeBps: number;
  paymentMints: PublicKey[];
}

/** `initialize_config` of the registry, signed by its upgrade authority. */
export function initializeRegistryConfigInstruction(upgradeAuthority: PublicKey, args: RegistryConfigArgs) {
  return toWeb3Instruction(
    reg.getInitializeConfigInstruction({
      upgradeAuthority: signer(upgradeAuthority),
      config: addr(registryConfigAddress()),
      programData: addr(programDataAddress(REGISTRY_PROGRAM_ID)),
      ...registryEvents(),
      admin: addr(args.admin),
      treasury: addr(args.treasury),
      feeBps: args.feeBps,
      paymentMints: args.paymentMints.map(addr),
    }),
  );
}

/** `update_config` of the registry, signed by the admin; a field left out (or null) is kept. */
export function updateRegistryConfigInstruction(
  admin: PublicKey,
  change: { treasury?: PublicKey | null; feeBps?: number | null; paymentMints?: PublicKey[] | null; paused?: boolean | null },
) {
  return toWeb3Instruction(
    reg.getUpdateConfigInstruction({
      admin: signer(admin),
      config: addr(registryConfigAddress()),
      ...registryEvents(),
      treasury: change.treasury ? addr(change.treasury) : null,
      feeBps: change.feeBps ?? null,
      paymentMints: change.paymentMints ? change.paymentMints.map(addr) : null,
      paused: change.paused ?? null,
    }),
  );
}

/** `propose_admin` of the registry (`newAdmin` takes over when it signs `accept_admin`). */
export function proposeRegistryAdminInstruction(admin: PublicKey, newAdmin: PublicKey) {
  return toWeb3Instruction(
    reg.getProposeAdminInstruction({
      admin: signer(admin),
      config: addr(registryConfigAddress()),
      ...registryEvents(),
      newAdmin: addr(newAdmin),
    }),
  );
}

/** `accept_admin` of the registry, signed by the proposed admin. */
export function acceptRegistryAdminInstruction(newAdmin: PublicKey) {
  return toWeb3Instruction(
    reg.getAcceptAdminInstruction({ newAdmin: signer(newAdmin), config: addr(registryConfigAddress()), ...registryEvents() }),
  );
}

export interface PublishArgs {
  kind: "dataset" | "model";
  contentHash: Bytes32;
  uri: string;
  license: { flags: number; termsHash: Bytes32 };
  price: U64;
  /** 0 = unlimited. */
  maxSupply: U64;
  /** Seconds of access per token; 0 = perpetual. */
  accessDuration: U64;
  inferenceRoyaltyBps: number;
  inferenceGated: boolean;
  /** Models only: the parents and their shares of each sale. */
  parents: { asset: PublicKey; bps: number }[];
  /** The asset's own split. */
  recipients: { address: PublicKey; bps: number }[];
}

/**
 * `publish_asset`: creates the asset, its access mint and its split (with the split's vault in
 * the payment mint, under `paymentTokenProgram`); the parents' asset accounts follow as
 * remaining accounts, in the order of `args.parents`.
 */
export function publishAssetInstruction(p: {
  publisher: PublicKey;
  paymentMint: PublicKey;
  paymentTokenProgram: PublicKey;
  previousVersion?: PublicKey | null;
  args: PublishArgs;
}) {
  const asset = assetAddress(p.publisher, Uint8Array.from(p.args.contentHash));
  const accessMint = accessMintAddress(asset);
  const split = splitAddress(asset);
  const splitVault = vaultAddress(split);
  const a = p.args;
  const instruction = toWeb3Instruction(
    reg.getPublishAssetInstruction({
      config: addr(registryConfigAddress()),
      publisher: signer(p.publisher),
      asset: addr(asset),
      accessMint: addr(accessMint),
      feeVault: addr(feeVaultAddress(asset)),
      paymentMint: addr(p.paymentMint),
      split: addr(split),
      splitVault: addr(splitVault),
      previousVersion: optAddr(p.previousVersion),
      ...royaltiesCpi(),
      paymentTokenProgram: addr(p.paymentTokenProgram),
      accessTokenProgram: addr(TOKEN_PROGRAM_ID),
      ...registryEvents(),
      kind: a.kind === "model" ? reg.AssetKind.Model : reg.AssetKind.Dataset,
      contentHash: bytes(a.contentHash),
      uri: a.uri,
      license: { flags: a.license.flags, termsHash: bytes(a.license.termsHash) },
      price: big(a.price),
      maxSupply: big(a.maxSupply),
      accessDuration: big(a.accessDuration),
      inferenceRoyaltyBps: a.inferenceRoyaltyBps,
      inferenceGated: a.inferenceGated,
      parents: a.parents.map((x) => ({ asset: addr(x.asset), bps: x.bps })),
      recipients: a.recipients.map((x) => ({ address: addr(x.address), bps: x.bps })),
    }),
  );
  instruction.keys.push(...a.parents.map((x) => ({ pubkey: x.asset, isSigner: false, isWritable: false })));
  return { asset, accessMint, split, splitVault, instruction };
}

/** publish_asset, reading the payment mint's token program. */
export async function publishFlow(
  connection: Connection,
  p: { publisher: PublicKey; paymentMint: PublicKey; previousVersion?: PublicKey | null; args: PublishArgs },
) {
  const paymentTokenProgram = await tokenProgramOf(connection, p.paymentMint);
  const built = publishAssetInstruction({ ...p, paymentTokenProgram });
  return { ...built, instructions: [built.instruction] };
}

export interface UpdateAssetArgs {
  uri?: string | null;
  price?: U64 | null;
  accessDuration?: U64 | null;
  maxSupply?: U64 | null;
  inferenceRoyaltyBps?: number | null;
  inferenceGated?: boolean | null;
}

const opt = <T, U>(v: T | null | undefined, f: (v: T) => U): U | null => (v === null || v === undefined ? null : f(v));

/** `update_asset`, signed by the publisher; a field left out (or null) is kept. */
export function updateAssetInstruction(publisher: PublicKey, asset: PublicKey, args: UpdateAssetArgs) {
  return toWeb3Instruction(
    reg.getUpdateAssetInstruction({
      publisher: signer(publisher),
      asset: addr(asset),
      ...registryEvents(),
      uri: args.uri ?? null,
      price: opt(args.price, big),
      accessDuration: opt(args.accessDuration, big),
      maxSupply: opt(args.maxSupply, big),
      inferenceRoyaltyBps: args.inferenceRoyaltyBps ?? null,
      inferenceGated: args.inferenceGated ?? null,
    }),
  );
}

/** `delist_asset`, `relist_asset` or `retire_asset`, signed by the publisher. */
export function setAssetStateInstruction(publisher: PublicKey, asset: PublicKey, change: "delist" | "relist" | "retire") {
  const input = { publisher: signer(publisher), asset: addr(asset), ...registryEvents() };
  switch (change) {
    case "delist":
      return toWeb3Instruction(reg.getDelistAssetInstruction(input));
    case "relist":
      return toWeb3Instruction(reg.getRelistAssetInstruction(input));
    case "retire":
      return toWeb3Instruction(reg.getRetireAssetInstruction(input));
  }
}

export interface BuyArgs {
  quantity: U64;
  /** Refused (PriceAboveLimit) when the asset's price is above it. */
  maxUnitPrice: U64;
  /** Refused when the access per token is shorter (a perpetual asset always passes; u64::MAX: only a perpetual one). */
  minAccessDuration: U64;
}

/**
 * `buy_access` of an asset (its decoded account gives the mints and the parents); the parents'
 * splits and vaults follow as remaining accounts, in the asset's order.
 */
export function buyAccessInstruction(p: {
  buyer: PublicKey;
  assetKey: PublicKey;
  asset: AssetRef;
  /** The buyer's token account of the payment mint (default: its associated one). */
  buyerPaymentAccount?: PublicKey;
  paymentTokenProgram: PublicKey;
  args: BuyArgs;
}) {
  const { asset } = p;
  const instruction = toWeb3Instruction(
    reg.getBuyAccessInstruction({
      config: addr(registryConfigAddress()),
      asset: addr(p.assetKey),
      accessMint: addr(asset.accessMint),
      pass: addr(passAddress(p.assetKey, p.buyer)),
      buyer: signer(p.buyer),
      buyerPaymentAccount: addr(p.buyerPaymentAccount ?? ataAddress(asset.paymentMint, p.buyer, p.paymentTokenProgram)),
      buyerAccessAccount: addr(ataAddress(asset.accessMint, p.buyer, TOKEN_PROGRAM_ID)),
      paymentMint: addr(asset.paymentMint),
      feeVault: addr(feeVaultAddress(p.assetKey)),
      split: addr(asset.split),
      splitVault: addr(vaultAddress(asset.split)),
      ...royaltiesCpi(),
      paymentTokenProgram: addr(p.paymentTokenProgram),
      accessTokenProgram: addr(TOKEN_PROGRAM_ID),
      ...registryEvents(),
      quantity: big(p.args.quantity),
      maxUnitPrice: big(p.args.maxUnitPrice),
      minAccessDuration: big(p.args.minAccessDuration),
    }),
  );
  for (const parent of asset.parents) {
    instruction.keys.push(
      { pubkey: parent.split, isSigner: false, isWritable: true },
      { pubkey: vaultAddress(parent.split), isSigner: false, isWritable: true },
    );
  }
  return instruction;
}

/**
 * `claim_free_pass` of a free asset (price 0): the holder's pass and one access token, once per
 * wallet. No payment account is needed.
 */
export function claimFreePassInstruction(holder: PublicKey, assetKey: PublicKey, asset: Pick<AssetRef, "accessMint">) {
  return toWeb3Instruction(
    reg.getClaimFreePassInstruction({
      config: addr(registryConfigAddress()),
      asset: addr(assetKey),
      accessMint: addr(asset.accessMint),
      pass: addr(passAddress(assetKey, holder)),
      holder: signer(holder),
      holderAccessAccount: addr(ataAddress(asset.accessMint, holder, TOKEN_PROGRAM_ID)),
      accessTokenProgram: addr(TOKEN_PROGRAM_ID),
      ...registryEvents(),
    }),
  );
}

/**
 * buy_access paid from the buyer's associated token account; the fee goes to the asset's own
 * fee vault (swept to the treasury by anyone with `sweepFeesFlow`). A free asset (price 0) is
 * claimed instead (`claim_free_pass`: one token per wallet, so the quantity must be 1).
 */
export async function buyFlow(
  connection: Connection,
  p: { buyer: PublicKey; assetKey: PublicKey; asset?: AssetRef & { price: U64 }; args: BuyArgs },
) {
  const asset = p.asset ?? (await fetchAsset(connection, p.assetKey));
  if (BigInt(asset.price.toString()) === 0n) {
    if (BigInt(p.args.quantity.toString()) !== 1n) {
      throw new Error(`quantity ${p.args.quantity}: this asset is free, and its pass is one access token per wallet (use 1)`);
    }
    return { instructions: [claimFreePassInstruction(p.buyer, p.assetKey, asset)] };
  }
  const paymentTokenProgram = await tokenProgramOf(connection, asset.paymentMint);
  const ix = buyAccessInstruction({ buyer: p.buyer, assetKey: p.assetKey, asset, paymentTokenProgram, args: p.args });
  return { instructions: [ix] };
}

/**
 * `sweep_fees`: moves everything in an asset's fee vault to `treasuryTokenAccount` (any
 * payment-mint account of the registry's current treasury). Permissionless; an empty vault is a
 * no-op.
 */
export function sweepFeesInstruction(p: {
  assetKey: PublicKey;
  asset: Pick<AssetRef, "paymentMint">;
  treasuryTokenAccount: PublicKey;
  paymentTokenProgram: PublicKey;
}) {
  return toWeb3Instruction(
    reg.getSweepFeesInstruction({
      config: addr(registryConfigAddress()),
      asset: addr(p.assetKey),
      feeVault: addr(feeVaultAddress(p.assetKey)),
      paymentMint: addr(p.asset.paymentMint),
      treasuryTokenAccount: addr(p.treasuryTokenAccount),
      paymentTokenProgram: addr(p.paymentTokenProgram),
      ...registryEvents(),
    }),
  );
}

/**
 * Sweeps the fee vaults of `assets` (one instruction each) into the current treasury's
 * associated accounts, created first if missing (payer: `payer`). Anyone may send it.
 */
export async function sweepFeesFlow(connection: Connection, p: { payer: PublicKey; assets: PublicKey[] }) {
  const config = await fetchRegistryConfig(connection);
  const instructions: TransactionInstruction[] = [];
  const created = new Set<string>();
  for (const assetKey of p.assets) {
    const asset = await fetchAsset(connection, assetKey);
    const paymentTokenProgram = await tokenProgramOf(connection, asset.paymentMint);
    const treasury = await ensureAta(connection, p.payer, asset.paymentMint, config.treasury, paymentTokenProgram);
    if (!created.has(treasury.address.toBase58())) {
      created.add(treasury.address.toBase58());
      instructions.push(...treasury.create);
    }
    instructions.push(sweepFeesInstruction({ assetKey, asset, treasuryTokenAccount: treasury.address, paymentTokenProgram }));
  }
  return { instructions };
}

/** `redeem_access`: the holder burns `quantity` access tokens from its associated account. */
export function redeemAccessInstruction(holder: PublicKey, assetKey: PublicKey, quantity: U64) {
  const accessMint = accessMintAddress(assetKey);
  return toWeb3Instruction(
    reg.getRedeemAccessInstruction({
      holder: signer(holder),
      asset: addr(assetKey),
      pass: addr(passAddress(assetKey, holder)),
      accessMint: addr(accessMint),
      holderAccessAccount: addr(ataAddress(accessMint, holder, TOKEN_PROGRAM_ID)),
      ...registryEvents(),
      quantity: big(quantity),
    }),
  );
}

/** `revoke_pass`, signed by the publisher. */
export function revokePassInstruction(publisher: PublicKey, assetKey: PublicKey, holder: PublicKey, reason: number) {
  return toWeb3Instruction(
    reg.getRevokePassInstruction({
      publisher: signer(publisher),
      asset: addr(assetKey),
      pass: addr(passAddress(assetKey, holder)),
      ...registryEvents(),
      reason,
    }),
  );
}

/**
 * `verify_access` of `holder`, reading its associated access-token account; on success the
 * transaction's return data is the registry's `VerifiedAccess`.
 */
export function verifyAccessInstruction(assetKey: PublicKey, holder: PublicKey) {
  return toWeb3Instruction(
    reg.getVerifyAccessInstruction({
      asset: addr(assetKey),
      pass: addr(passAddress(assetKey, holder)),
      holderAccessAccount: addr(ataAddress(accessMintAddress(assetKey), holder, TOKEN_PROGRAM_ID)),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Royalties

/**
 * `create_split` of a subject (which signs; for an asset the registry signs by CPI): a split of
 * `mint` with its vault under `tokenProgram`, paid by `payer`.
 */
export function createSplitInstruction(p: {
  payer: PublicKey;
  subject: PublicKey;
  mint: PublicKey;
  tokenProgram: PublicKey;
  authority: PublicKey;
  recipients: { address: PublicKey; bps: number }[];
}) {
  const split = splitAddress(p.subject);
  return toWeb3Instruction(
    roy.getCreateSplitInstruction({
      payer: signer(p.payer),
      subject: signer(p.subject),
      split: addr(split),
      mint: addr(p.mint),
      vault: addr(vaultAddress(split)),
      tokenProgram: addr(p.tokenProgram),
      ...royaltiesEvents(),
      authority: addr(p.authority),
      recipients: p.recipients.map((r) => ({ address: addr(r.address), bps: r.bps })),
    }),
  );
}

/** `deposit` of `amount` from `source` (a token account of the depositor) into a split's vault. */
export function depositInstruction(p: {
  depositor: PublicKey;
  source: PublicKey;
  splitKey: PublicKey;
  split: SplitRef;
  tokenProgram: PublicKey;
  amount: U64;
}) {
  return toWeb3Instruction(
    roy.getDepositInstruction({
      depositor: signer(p.depositor),
      source: addr(p.source),
      split: addr(p.splitKey),
      vault: addr(p.split.vault),
      mint: addr(p.split.mint),
      tokenProgram: addr(p.tokenProgram),
      ...royaltiesEvents(),
      amount: big(p.amount),
    }),
  );
}

/** `claim`: what `splitKey` owes `recipient`, into `destination` (a token account of the split's mint). */
export function claimInstruction(p: {
  recipient: PublicKey;
  splitKey: PublicKey;
  split: SplitRef;
  destination: PublicKey;
  tokenProgram: PublicKey;
}) {
  return toWeb3Instruction(
    roy.getClaimInstruction({
      recipient: signer(p.recipient),
      split: addr(p.splitKey),
      vault: addr(p.split.vault),
      mint: addr(p.split.mint),
      destination: addr(p.destination),
      tokenProgram: addr(p.tokenProgram),
      ...royaltiesEvents(),
    }),
  );
}

/**
 * `claim_for` (anyone pays): what `splitKey` owes `recipient`, into the recipient's associated
 * token account (created by the program if missing).
 */
export function claimForInstruction(p: {
  payer: PublicKey;
  recipient: PublicKey;
  splitKey: PublicKey;
  split: SplitRef;
  tokenProgram: PublicKey;
}) {
  return toWeb3Instruction(
    roy.getClaimForInstruction({
      payer: signer(p.payer),
      recipient: addr(p.recipient),
      split: addr(p.splitKey),
      vault: addr(p.split.vault),
      mint: addr(p.split.mint),
      destination: addr(ataAddress(p.split.mint, p.recipient, p.tokenProgram)),
      tokenProgram: addr(p.tokenProgram),
      ...royaltiesEvents(),
    }),
  );
}

/**
 * Claims from each split (all in one mint) into the recipient's associated token account,
 * created first if missing.
 */
export async function claimFlow(
  connection: Connection,
  recipient: PublicKey,
  splits: { publicKey: PublicKey; account: SplitRef }[],
) {
  if (splits.length === 0) return { destination: null, instructions: [] as TransactionInstruction[] };
  const mint = splits[0].account.mint;
  if (!splits.every((s) => s.account.mint.equals(mint))) throw new Error("claimFlow: one mint per transaction");
  const tokenProgram = await tokenProgramOf(connection, mint);
  const destination = await ensureAta(connection, recipient, mint, recipient, tokenProgram);
  const claims = splits.map((s) =>
    claimInstruction({ recipient, splitKey: s.publicKey, split: s.account, destination: destination.address, tokenProgram }),
  );
  return { destination: destination.address, instructions: [...destination.create, ...claims] };
}

/** `claim_parked`: the balance a Parked record (version `version` of the split) holds for `recipient`. */
export function claimParkedInstruction(p: {
  caller: PublicKey;
  recipient: PublicKey;
  splitKey: PublicKey;
  split: SplitRef;
  version: number;
  destination: PublicKey;
  rentReceiver: PublicKey;
  tokenProgram: PublicKey;
}) {
  return toWeb3Instruction(
    roy.getClaimParkedInstruction({
      caller: signer(p.caller),
      recipient: addr(p.recipient),
      split: addr(p.splitKey),
      parked: addr(parkedAddress(p.splitKey, p.version)),
      vault: addr(p.split.vault),
      mint: addr(p.split.mint),
      destination: addr(p.destination),
      rentReceiver: addr(p.rentReceiver),
      tokenProgram: addr(p.tokenProgram),
      ...royaltiesEvents(),
    }),
  );
}

/** claim_parked by the recipient itself, into its associated token account (created first if missing). */
export async function claimParkedFlow(
  connection: Connection,
  p: { recipient: PublicKey; splitKey: PublicKey; split: SplitRef; version: number; rentReceiver: PublicKey },
) {
  const tokenProgram = await tokenProgramOf(connection, p.split.mint);
  const destination = await ensureAta(connection, p.recipient, p.split.mint, p.recipient, tokenProgram);
  const ix = claimParkedInstruction({ ...p, caller: p.recipient, destination: destination.address, tokenProgram });
  return { instructions: [...destination.create, ix] };
}

/** `sync` (permissionless): credits a split with what its vault holds beyond what it accounts for. */
export function syncSplitInstruction(splitKey: PublicKey) {
  return toWeb3Instruction(
    roy.getSyncInstruction({ split: addr(splitKey), vault: addr(vaultAddress(splitKey)), ...royaltiesEvents() }),
  );
}

/**
 * `update_split`, signed by its authority; `version` is the split's current version (it
 * locates the Parked record the update may create).
 */
export function updateSplitInstruction(
  authority: PublicKey,
  splitKey: PublicKey,
  version: number,
  recipients: { address: PublicKey; bps: number }[],
) {
  return toWeb3Instruction(
    roy.getUpdateSplitInstruction({
      authority: signer(authority),
      split: addr(splitKey),
      vault: addr(vaultAddress(splitKey)),
      parked: addr(parkedAddress(splitKey, version)),
      ...royaltiesEvents(),
      recipients: recipients.map((r) => ({ address: addr(r.address), bps: r.bps })),
    }),
  );
}

/** `propose_split_authority` (`null` withdraws the proposal). */
export function proposeSplitAuthorityInstruction(authority: PublicKey, splitKey: PublicKey, newAuthority: PublicKey | null) {
  return toWeb3Instruction(
    roy.getProposeSplitAuthorityInstruction({
      authority: signer(authority),
      split: addr(splitKey),
      ...royaltiesEvents(),
      newAuthority: newAuthority ? addr(newAuthority) : null,
    }),
  );
}

/** `accept_split_authority`, signed by the proposed authority. */
export function acceptSplitAuthorityInstruction(newAuthority: PublicKey, splitKey: PublicKey) {
  return toWeb3Instruction(
    roy.getAcceptSplitAuthorityInstruction({ newAuthority: signer(newAuthority), split: addr(splitKey), ...royaltiesEvents() }),
  );
}

// ---------------------------------------------------------------------------------------------
// Escrow: config and providers

export interface EscrowSettingsArgs {
  treasury: PublicKey;
  arbiter: PublicKey;
  feeBps: number;
  slashBps: number;
  maxSlashFeeMultiple: number;
  minAcceptWindow: number;
  minDeliveryWindow: number;
  minChallengeWindow: number;
  disputeWindow: number;
  unbondingDelay: number;
  minBonds: { mint: PublicKey; minBond: U64 }[];
}

const escrowSettings = (s: EscrowSettingsArgs): esc.EscrowSettingsArgs => ({
  treasury: addr(s.treasury),
  arbiter: addr(s.arbiter),
  feeBps: s.feeBps,
  slashBps: s.slashBps,
  maxSlashFeeMultiple: s.maxSlashFeeMultiple,
  minAcceptWindow: s.minAcceptWindow,
  minDeliveryWindow: s.minDeliveryWindow,
  minChallengeWindow: s.minChallengeWindow,
  disputeWindow: s.disputeWindow,
  unbondingDelay: s.unbondingDelay,
  minBonds: s.minBonds.map((b) => ({ mint: addr(b.mint), minBond: big(b.minBond) })),
});

/** `initialize_config` of the escrow, signed by its upgrade authority. */
export function initializeEscrowConfigInstruction(upgradeAuthority: PublicKey, admin: PublicKey, settings: EscrowSettingsArgs) {
  return toWeb3Instruction(
    esc.getInitializeConfigInstruction({
      upgradeAuthority: signer(upgradeAuthority),
      config: addr(escrowConfigAddress()),
      programData: addr(programDataAddress(ESCROW_PROGRAM_ID)),
      ...escrowEvents(),
      admin: addr(admin),
      settings: escrowSettings(settings),
    }),
  );
}

/**
 * `update_config` of the escrow, signed by the admin: changes the settings given (a field left
 * out, or null, is kept; `minBonds` replaces the whole list). Pass every field to replace them all.
 */
export function updateEscrowConfigInstruction(
  admin: PublicKey,
  change: { [K in keyof EscrowSettingsArgs]?: EscrowSettingsArgs[K] | null },
) {
  return toWeb3Instruction(
    esc.getUpdateConfigInstruction({
      admin: signer(admin),
      config: addr(escrowConfigAddress()),
      ...escrowEvents(),
      treasury: opt(change.treasury, addr),
      arbiter: opt(change.arbiter, addr),
      feeBps: change.feeBps ?? null,
      slashBps: change.slashBps ?? null,
      maxSlashFeeMultiple: change.maxSlashFeeMultiple ?? null,
      minAcceptWindow: change.minAcceptWindow ?? null,
      minDeliveryWindow: change.minDeliveryWindow ?? null,
      minChallengeWindow: change.minChallengeWindow ?? null,
      disputeWindow: change.disputeWindow ?? null,
      unbondingDelay: change.unbondingDelay ?? null,
      minBonds: opt(change.minBonds, (bonds) => bonds.map((b) => ({ mint: addr(b.mint), minBond: big(b.minBond) }))),
    }),
  );
}

/** `propose_admin` of the escrow. */
export function proposeEscrowAdminInstruction(admin: PublicKey, newAdmin: PublicKey) {
  return toWeb3Instruction(
    esc.getProposeAdminInstruction({
      admin: signer(admin),
      config: addr(escrowConfigAddress()),
      ...escrowEvents(),
      newAdmin: addr(newAdmin),
    }),
  );
}

/** `accept_admin` of the escrow, signed by the proposed admin. */
export function acceptEscrowAdminInstruction(newAdmin: PublicKey) {
  return toWeb3Instruction(
    esc.getAcceptAdminInstruction({ newAdmin: signer(newAdmin), config: addr(escrowConfigAddress()), ...escrowEvents() }),
  );
}

/** `set_model_providers`, signed by the model's publisher (pays the list's rent the first time). */
export function setModelProvidersInstruction(publisher: PublicKey, model: PublicKey, providers: PublicKey[]) {
  return toWeb3Instruction(
    esc.getSetModelProvidersInstruction({
      publisher: signer(publisher),
      model: addr(model),
      modelProviders: addr(modelProvidersAddress(model)),
      ...escrowEvents(),
      providers: providers.map(addr),
    }),
  );
}

export interface ProviderArgs {
  endpoint: string;
  models: PublicKey[];
}

/** `register_provider`: the authority registers, with a bond vault in `mint`. */
export function registerProviderInstruction(authority: PublicKey, mint: PublicKey, tokenProgram: PublicKey, args: ProviderArgs) {
  const provider = providerAddress(authority);
  return toWeb3Instruction(
    esc.getRegisterProviderInstruction({
      authority: signer(authority),
      provider: addr(provider),
      mint: addr(mint),
      bondVault: addr(bondVaultAddress(provider)),
      tokenProgram: addr(tokenProgram),
      ...escrowEvents(),
      args: { endpoint: args.endpoint, models: args.models.map(addr) },
    }),
  );
}

/** register_provider, reading the mint's token program. */
export async function registerProviderFlow(connection: Connection, authority: PublicKey, mint: PublicKey, args: ProviderArgs) {
  const tokenProgram = await tokenProgramOf(connection, mint);
  return { provider: providerAddress(authority), instructions: [registerProviderInstruction(authority, mint, tokenProgram, args)] };
}

/** `update_provider`. */
export function updateProviderInstruction(authority: PublicKey, args: ProviderArgs) {
  return toWeb3Instruction(
    esc.getUpdateProviderInstruction({
      authority: signer(authority),
      provider: addr(providerAddress(authority)),
      ...escrowEvents(),
      args: { endpoint: args.endpoint, models: args.models.map(addr) },
    }),
  );
}

/** `bond`: adds `amount` from `source` (default: the authority's associated token account). */
export function bondInstruction(p: {
  authority: PublicKey;
  mint: PublicKey;
  tokenProgram: PublicKey;
  amount: U64;
  source?: PublicKey;
}) {
  const provider = providerAddress(p.authority);
  return toWeb3Instruction(
    esc.getBondInstruction({
      authority: signer(p.authority),
      provider: addr(provider),
      bondVault: addr(bondVaultAddress(provider)),
      source: addr(p.source ?? ataAddress(p.mint, p.authority, p.tokenProgram)),
      mint: addr(p.mint),
      tokenProgram: addr(p.tokenProgram),
      ...escrowEvents(),
      amount: big(p.amount),
    }),
  );
}

/** bond from the authority's associated token account, reading its provider's mint. */
export async function bondFlow(connection: Connection, authority: PublicKey, amount: U64) {
  const p = await fetchProvider(connection, providerAddress(authority));
  const tokenProgram = await tokenProgramOf(connection, p.mint);
  return { instructions: [bondInstruction({ authority, mint: p.mint, tokenProgram, amount })] };
}

/** `sync_bond` (permissionless): credits tokens sent straight to a provider's bond vault. */
export function syncBondInstruction(provider: PublicKey) {
  return toWeb3Instruction(
    esc.getSyncBondInstruction({ provider: addr(provider), bondVault: addr(bondVaultAddress(provider)), ...escrowEvents() }),
  );
}

/** `request_unbond`. */
export function requestUnbondInstruction(authority: PublicKey, amount: U64) {
  return toWeb3Instruction(
    esc.getRequestUnbondInstruction({
      authority: signer(authority),
      config: addr(escrowConfigAddress()),
      provider: addr(providerAddress(authority)),
      ...escrowEvents(),
      amount: big(amount),
    }),
  );
}

/** `withdraw_bond` into `destination` (default: the authority's associated token account). */
export function withdrawBondInstruction(p: { authority: PublicKey; mint: PublicKey; tokenProgram: PublicKey; destination?: PublicKey }) {
  const provider = providerAddress(p.authority);
  return toWeb3Instruction(
    esc.getWithdrawBondInstruction({
      authority: signer(p.authority),
      provider: addr(provider),
      bondVault: addr(bondVaultAddress(provider)),
      destination: addr(p.destination ?? ataAddress(p.mint, p.authority, p.tokenProgram)),
      mint: addr(p.mint),
      tokenProgram: addr(p.tokenProgram),
      ...escrowEvents(),
    }),
  );
}

/** withdraw_bond into the authority's associated token account (created first if missing). */
export async function withdrawBondFlow(connection: Connection, authority: PublicKey) {
  const p = await fetchProvider(connection, providerAddress(authority));
  const tokenProgram = await tokenProgramOf(connection, p.mint);
  const destination = await ensureAta(connection, authority, p.mint, authority, tokenProgram);
  return {
    instructions: [
      ...destination.create,
      withdrawBondInstruction({ authority, mint: p.mint, tokenProgram, destination: destination.address }),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Escrow: jobs

export interface OpenJobArgs {
  jobId: U64;
  fee: U64;
  inputCommitment: Bytes32;
  /** A specific provider (its escrow Provider account), or null for any provider of the model. */
  provider: PublicKey | null;
  acceptWindow: number;
  deliveryWindow: number;
  challengeWindow: number;
}

/**
 * `open_job` for `model` in `mint`; an access-gated model also gets the consumer's pass and
 * access-token account.
 */
export function openJobInstruction(p: {
  consumer: PublicKey;
  model: PublicKey;
  mint: PublicKey;
  tokenProgram: PublicKey;
  /** For an access-gated model: pass the consumer's pass and access-token account. */
  gated: boolean;
  /** The consumer's token account of the mint (default: its associated one). */
  consumerTokenAccount?: PublicKey;
  args: OpenJobArgs;
}) {
  const job = jobAddress(p.consumer, p.args.jobId);
  const accessMint = accessMintAddress(p.model);
  const a = p.args;
  const instruction = toWeb3Instruction(
    esc.getOpenJobInstruction({
      config: addr(escrowConfigAddress()),
      consumer: signer(p.consumer),
      model: addr(p.model),
      job: addr(job),
      jobVault: addr(jobVaultAddress(job)),
      mint: addr(p.mint),
      consumerTokenAccount: addr(p.consumerTokenAccount ?? ataAddress(p.mint, p.consumer, p.tokenProgram)),
      pass: p.gated ? addr(passAddress(p.model, p.consumer)) : undefined,
      consumerAccessAccount: p.gated ? addr(ataAddress(accessMint, p.consumer, TOKEN_PROGRAM_ID)) : undefined,
      registryProgram: addr(REGISTRY_PROGRAM_ID),
      tokenProgram: addr(p.tokenProgram),
      ...escrowEvents(),
      jobId: big(a.jobId),
      fee: big(a.fee),
      inputCommitment: bytes(a.inputCommitment),
      provider: a.provider ? addr(a.provider) : null,
      acceptWindow: a.acceptWindow,
      deliveryWindow: a.deliveryWindow,
      challengeWindow: a.challengeWindow,
    }),
  );
  return { job, jobVault: jobVaultAddress(job), instruction };
}

/** open_job paid from the consumer's associated token account, reading the model. */
export async function openJobFlow(
  connection: Connection,
  p: { consumer: PublicKey; model: PublicKey; asset?: AssetRef; args: OpenJobArgs },
) {
  const asset = p.asset ?? (await fetchAsset(connection, p.model));
  const tokenProgram = await tokenProgramOf(connection, asset.paymentMint);
  const built = openJobInstruction({
    consumer: p.consumer,
    model: p.model,
    mint: asset.paymentMint,
    tokenProgram,
    gated: asset.inferenceGated,
    args: p.args,
  });
  return { job: built.job, jobVault: built.jobVault, instructions: [built.instruction] };
}

export interface AcceptGuards {
  /** The job instance shown: its input commitment and funding time. */
  inputCommitment: Bytes32;
  fundedAt: U64;
  fee: U64;
  deliveryWindow: number;
  challengeWindow: number;
  /** The most of its bond the provider agrees to put at stake. */
  maxSlash: U64;
  /** The arbiter and the dispute window the provider agrees to (the config's, fixed at acceptance). */
  arbiter: PublicKey;
  disputeWindow: number;
}

/** The guards of a provider accepting `job` as it reads it, with at most `maxSlash` at stake. */
export function acceptTerms(
  job: JobTermsRef,
  config: { arbiter: PublicKey; disputeWindow: number },
  maxSlash: U64,
): AcceptGuards {
  return {
    inputCommitment: job.inputCommitment,
    fundedAt: job.fundedAt,
    fee: job.fee,
    deliveryWindow: job.deliveryWindow,
    challengeWindow: job.challengeWindow,
    maxSlash,
    arbiter: config.arbiter,
    disputeWindow: config.disputeWindow,
  };
}

/** `accept_job`, signed by the provider's authority, with explicit guards; `model` is the job's. */
export function acceptJobInstruction(authority: PublicKey, jobKey: PublicKey, model: PublicKey, guards: AcceptGuards) {
  return toWeb3Instruction(
    esc.getAcceptJobInstruction({
      authority: signer(authority),
      config: addr(escrowConfigAddress()),
      provider: addr(providerAddress(authority)),
      job: addr(jobKey),
      modelProviders: addr(modelProvidersAddress(model)),
      ...escrowEvents(),
      inputCommitment: bytes(guards.inputCommitment),
      fundedAt: big(guards.fundedAt),
      fee: big(guards.fee),
      deliveryWindow: guards.deliveryWindow,
      challengeWindow: guards.challengeWindow,
      maxSlash: big(guards.maxSlash),
      arbiter: addr(guards.arbiter),
      disputeWindow: guards.disputeWindow,
    }),
  );
}

/**
 * The slash a provider with `bond` puts at stake by accepting a job of `fee`, as accept_job
 * fixes it: `min(floor(bond × slash_bps / 10,000), fee × max_slash_fee_multiple)`.
 */
export function slashAtStake(fee: U64, bond: U64, slashBps: number, maxSlashFeeMultiple: number): bigint {
  const byBond = (big(bond) * BigInt(slashBps)) / 10_000n;
  const byFee = big(fee) * BigInt(maxSlashFeeMultiple);
  return byBond < byFee ? byBond : byFee;
}

/**
 * accept_job on the terms read now, with at most `maxSlash` at stake (default: what accepting
 * now would fix for this provider).
 */
export async function acceptJobFlow(connection: Connection, authority: PublicKey, jobKey: PublicKey, maxSlash?: U64) {
  const job = await fetchJob(connection, jobKey);
  const config = await fetchEscrowConfig(connection);
  let slash = maxSlash;
  if (slash === undefined) {
    const p = await fetchProvider(connection, providerAddress(authority));
    slash = slashAtStake(job.fee, p.bond, config.slashBps, config.maxSlashFeeMultiple);
  }
  return { instructions: [acceptJobInstruction(authority, jobKey, job.model, acceptTerms(job, config, slash))] };
}

/** `submit_result`, signed by the provider's authority. */
export function submitResultInstruction(authority: PublicKey, jobKey: PublicKey, resultCommitment: Bytes32) {
  return toWeb3Instruction(
    esc.getSubmitResultInstruction({
      authority: signer(authority),
      provider: addr(providerAddress(authority)),
      job: addr(jobKey),
      ...escrowEvents(),
      resultCommitment: bytes(resultCommitment),
    }),
  );
}

/** `dispute_job`, signed by the consumer. */
export function disputeJobInstruction(consumer: PublicKey, jobKey: PublicKey) {
  return toWeb3Instruction(esc.getDisputeJobInstruction({ consumer: signer(consumer), job: addr(jobKey), ...escrowEvents() }));
}

/**
 * The payees of a settlement: the provider's authority's and the treasury's token accounts,
 * the consumer's (its part and the vault's surplus; default: its associated account), and the
 * splits of the model's parents (the model asset's `parents[i].split`, in order; default: none),
 * appended with their vaults as remaining accounts.
 */
export interface SettleAccounts {
  providerTokenAccount: PublicKey;
  treasuryTokenAccount: PublicKey;
  consumerTokenAccount?: PublicKey;
  tokenProgram: PublicKey;
  parentSplits?: readonly PublicKey[];
}

/**
 * A settlement instruction as the escrow takes it: each parent's split and vault appended, in
 * the model's order, and the mint writable for Token-2022 (the Rust client's `settlement_ix`).
 */
function settlementInstruction(ix: TransactionInstruction, job: JobRef, s: SettleAccounts) {
  for (const split of s.parentSplits ?? []) {
    ix.keys.push(
      { pubkey: split, isSigner: false, isWritable: true },
      { pubkey: vaultAddress(split), isSigner: false, isWritable: true },
    );
  }
  return withWritableMint(ix, job.mint, s.tokenProgram);
}

/** The escrow's `Settlement` accounts of a job. */
function settlement(jobKey: PublicKey, job: JobRef, s: SettleAccounts) {
  return {
    config: addr(escrowConfigAddress()),
    job: addr(jobKey),
    jobVault: addr(job.vault),
    consumer: addr(job.consumer),
    consumerTokenAccount: addr(s.consumerTokenAccount ?? ataAddress(job.mint, job.consumer, s.tokenProgram)),
    provider: addr(job.provider),
    providerTokenAccount: addr(s.providerTokenAccount),
    treasuryTokenAccount: addr(s.treasuryTokenAccount),
    modelSplit: addr(job.modelSplit),
    modelSplitVault: addr(vaultAddress(job.modelSplit)),
    model: addr(job.model),
    mint: addr(job.mint),
    tokenProgram: addr(s.tokenProgram),
    ...royaltiesCpi(),
    ...escrowEvents(),
  };
}

/** `confirm_job`, signed by the consumer (`consumerSigner`, default: the job's consumer). */
export function confirmJobInstruction(jobKey: PublicKey, job: JobRef, s: SettleAccounts, consumerSigner: PublicKey = job.consumer) {
  const ix = toWeb3Instruction(
    esc.getConfirmJobInstruction({ consumerSigner: signer(consumerSigner), ...settlement(jobKey, job, s) }),
  );
  return settlementInstruction(ix, job, s);
}

/** `release_job`, signed by anyone (`caller`) once the challenge window has passed. */
export function releaseJobInstruction(caller: PublicKey, jobKey: PublicKey, job: JobRef, s: SettleAccounts) {
  const ix = toWeb3Instruction(esc.getReleaseJobInstruction({ caller: signer(caller), ...settlement(jobKey, job, s) }));
  return settlementInstruction(ix, job, s);
}

/** `resolve_dispute`, signed by the arbiter: `providerShareBps` of the fee's net to the provider. */
export function resolveDisputeInstruction(
  arbiter: PublicKey,
  jobKey: PublicKey,
  job: JobRef,
  s: SettleAccounts,
  providerShareBps: number,
) {
  const ix = toWeb3Instruction(
    esc.getResolveDisputeInstruction({
      arbiter: signer(arbiter),
      ...settlement(jobKey, job, s),
      bondVault: addr(bondVaultAddress(job.provider)),
      providerShareBps,
    }),
  );
  return settlementInstruction(ix, job, s);
}

/** `settle_dispute`, signed by anyone once the dispute deadline has passed (half each, no slash). */
export function settleDisputeInstruction(caller: PublicKey, jobKey: PublicKey, job: JobRef, s: SettleAccounts) {
  const ix = toWeb3Instruction(esc.getSettleDisputeInstruction({ caller: signer(caller), ...settlement(jobKey, job, s) }));
  return settlementInstruction(ix, job, s);
}

/**
 * `refund_job`, signed by anyone (`caller`); passes the provider and its bond vault when the
 * job was accepted (its provider is not the default key).
 */
export function refundJobInstruction(
  caller: PublicKey,
  jobKey: PublicKey,
  job: JobRef,
  tokenProgram: PublicKey,
  consumerTokenAccount: PublicKey = ataAddress(job.mint, job.consumer, tokenProgram),
) {
  const accepted = !job.provider.equals(PublicKey.default);
  const ix = toWeb3Instruction(
    esc.getRefundJobInstruction({
      caller: signer(caller),
      job: addr(jobKey),
      jobVault: addr(job.vault),
      consumer: addr(job.consumer),
      consumerTokenAccount: addr(consumerTokenAccount),
      provider: accepted ? addr(job.provider) : undefined,
      bondVault: accepted ? addr(bondVaultAddress(job.provider)) : undefined,
      mint: addr(job.mint),
      tokenProgram: addr(tokenProgram),
      ...escrowEvents(),
    }),
  );
  return withWritableMint(ix, job.mint, tokenProgram);
}

/**
 * A job's settlement payees, creating the provider's, the treasury's and the consumer's
 * associated token accounts first if missing (payer: `payer`), and the model's parents' splits.
 * Refuses a job not accepted yet.
 */
export async function settlementFlow(connection: Connection, payer: PublicKey, jobKey: PublicKey, job?: JobRef) {
  const j = job ?? (await fetchJob(connection, jobKey));
  if (j.provider.equals(PublicKey.default)) throw new Error(`job ${jobKey.toBase58()} has not been accepted yet`);
  const provider = await fetchProvider(connection, j.provider);
  const config = await fetchEscrowConfig(connection);
  const tokenProgram = await tokenProgramOf(connection, j.mint);
  const providerAta = await ensureAta(connection, payer, j.mint, provider.authority, tokenProgram);
  const treasuryAta = await ensureAta(connection, payer, j.mint, config.treasury, tokenProgram);
  const consumerAta = await ensureAta(connection, payer, j.mint, j.consumer, tokenProgram);
  const model = await fetchAsset(connection, j.model);
  return {
    job: j,
    accounts: {
      providerTokenAccount: providerAta.address,
      treasuryTokenAccount: treasuryAta.address,
      consumerTokenAccount: consumerAta.address,
      tokenProgram,
      parentSplits: model.parents.map((p) => p.split),
    } satisfies SettleAccounts,
    create: [...providerAta.create, ...treasuryAta.create, ...consumerAta.create],
  };
}

/** confirm_job by the consumer, the payees' accounts created first if missing. */
export async function confirmJobFlow(connection: Connection, consumer: PublicKey, jobKey: PublicKey, job?: JobRef) {
  const s = await settlementFlow(connection, consumer, jobKey, job);
  return { instructions: [...s.create, confirmJobInstruction(jobKey, s.job, s.accounts, consumer)] };
}

/** release_job by `caller`, the payees' accounts created first if missing. */
export async function releaseJobFlow(connection: Connection, caller: PublicKey, jobKey: PublicKey, job?: JobRef) {
  const s = await settlementFlow(connection, caller, jobKey, job);
  return { instructions: [...s.create, releaseJobInstruction(caller, jobKey, s.job, s.accounts)] };
}

/** resolve_dispute by the arbiter, the payees' accounts created first if missing. */
export async function resolveDisputeFlow(
  connection: Connection,
  arbiter: PublicKey,
  jobKey: PublicKey,
  providerShareBps: number,
  job?: JobRef,
) {
  const s = await settlementFlow(connection, arbiter, jobKey, job);
  return { instructions: [...s.create, resolveDisputeInstruction(arbiter, jobKey, s.job, s.accounts, providerShareBps)] };
}

/** settle_dispute by `caller`, the payees' accounts created first if missing. */
export async function settleDisputeFlow(connection: Connection, caller: PublicKey, jobKey: PublicKey, job?: JobRef) {
  const s = await settlementFlow(connection, caller, jobKey, job);
  return { instructions: [...s.create, settleDisputeInstruction(caller, jobKey, s.job, s.accounts)] };
}

/** refund_job by `caller`, into the consumer's associated token account (created first if missing). */
export async function refundJobFlow(connection: Connection, caller: PublicKey, jobKey: PublicKey, job?: JobRef) {
  const j = job ?? (await fetchJob(connection, jobKey));
  const tokenProgram = await tokenProgramOf(connection, j.mint);
  const consumerAta = await ensureAta(connection, caller, j.mint, j.consumer, tokenProgram);
  return { instructions: [...consumerAta.create, refundJobInstruction(caller, jobKey, j, tokenProgram, consumerAta.address)] };
}

// ---------------------------------------------------------------------------------------------
// Sending (optional)

/**
 * Sends `instructions` in one transaction paid by `payer` and signed by it and `signers`; resolves
 * with the signature once confirmed. (Apps send through their wallet instead.)
 */
export function sendFlow(
  connection: Connection,
  payer: Signer,
  instructions: TransactionInstruction[],
  signers: Signer[] = [],
  commitment: Commitment = "confirmed",
): Promise<string> {
  const tx = new Transaction().add(...instructions);
  tx.feePayer = payer.publicKey;
  const all = [payer, ...signers.filter((s) => !s.publicKey.equals(payer.publicKey))];
  return sendAndConfirmTransaction(connection, tx, all, { commitment, preflightCommitment: commitment });
}
