// Reading Tessera's accounts: server-side memcmp filters on the fixed-offset fields (Anchor's
// `.all()` adds the account discriminator filter), decoded with the IDLs' coders.

import { type IdlAccounts, utils } from "@anchor-lang/core";
import { unpackMint, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { type Connection, type GetProgramAccountsFilter, PublicKey } from "@solana/web3.js";
import {
  type TesseraEscrow,
  type TesseraRegistry,
  type TesseraRoyalties,
  escrowConfigAddress,
  metaplexMetadataAddress,
  mintMetadataFromAccounts,
  passAddress,
  providerAddress,
  registryConfigAddress,
} from "@tessera/sdk";

import type { Programs } from "./programs";

export type Asset = IdlAccounts<TesseraRegistry>["asset"];
export type AccessPass = IdlAccounts<TesseraRegistry>["accessPass"];
export type RegistryConfig = IdlAccounts<TesseraRegistry>["config"];
export type Split = IdlAccounts<TesseraRoyalties>["split"];
export type Parked = IdlAccounts<TesseraRoyalties>["parked"];
export type Job = IdlAccounts<TesseraEscrow>["job"];
export type ProviderAccount = IdlAccounts<TesseraEscrow>["provider"];
export type EscrowConfig = IdlAccounts<TesseraEscrow>["escrowConfig"];

export interface Keyed<T> {
  publicKey: PublicKey;
  account: T;
}

/** Byte offsets of the Asset account's fixed-layout fields (after the 8-byte discriminator). */
export const ASSET_OFFSET = { publisher: 8, kind: 40, state: 41, paymentMint: 106 } as const;
/** Byte offsets of the Job account's fixed-layout fields. */
export const JOB_OFFSET = { consumer: 8, model: 48, provider: 144, state: 176 } as const;

export type AssetKindName = "dataset" | "model";
export type AssetStateName = "listed" | "delisted" | "retired";
export type JobStateName = "open" | "accepted" | "delivered" | "disputed";

const KIND_INDEX: Record<AssetKindName, number> = { dataset: 0, model: 1 };
const STATE_INDEX: Record<AssetStateName, number> = { listed: 0, delisted: 1, retired: 2 };
const JOB_STATE_INDEX: Record<JobStateName, number> = { open: 0, accepted: 1, delivered: 2, disputed: 3 };

const byteFilter = (offset: number, value: number): GetProgramAccountsFilter => ({
  memcmp: { offset, bytes: utils.bytes.bs58.encode(Uint8Array.of(value)) },
});
const keyFilter = (offset: number, key: PublicKey): GetProgramAccountsFilter => ({
  memcmp: { offset, bytes: key.toBase58() },
});

/** The variant name of an Anchor enum value (`{ dataset: {} }` → "dataset"). */
export function variant<T extends string>(value: object): T {
  return Object.keys(value)[0] as T;
}

export interface AssetQuery {
  kind?: AssetKindName;
  state?: AssetStateName;
  paymentMint?: PublicKey;
  publisher?: PublicKey;
}

export async function fetchAssets(programs: Programs, q: AssetQuery = {}): Promise<Keyed<Asset>[]> {
  const filters: GetProgramAccountsFilter[] = [];
  if (q.publisher) filters.push(keyFilter(ASSET_OFFSET.publisher, q.publisher));
  if (q.kind) filters.push(byteFilter(ASSET_OFFSET.kind, KIND_INDEX[q.kind]));
  if (q.state) filters.push(byteFilter(ASSET_OFFSET.state, STATE_INDEX[q.state]));
  if (q.paymentMint) filters.push(keyFilter(ASSET_OFFSET.paymentMint, q.paymentMint));
  return (await programs.registry.account.asset.all(filters)) as Keyed<Asset>[];
}

export async function fetchAsset(programs: Programs, address: PublicKey): Promise<Asset | null> {
  return (await programs.registry.account.asset.fetchNullable(address)) as Asset | null;
}

export async function fetchPass(programs: Programs, asset: PublicKey, holder: PublicKey): Promise<AccessPass | null> {
  return (await programs.registry.account.accessPass.fetchNullable(passAddress(asset, holder))) as AccessPass | null;
}

export async function fetchRegistryConfig(programs: Programs): Promise<RegistryConfig | null> {
  return (await programs.registry.account.config.fetchNullable(registryConfigAddress())) as RegistryConfig | null;
}

export async function fetchEscrowConfig(programs: Programs): Promise<EscrowConfig | null> {
  return (await programs.escrow.account.escrowConfig.fetchNullable(escrowConfigAddress())) as EscrowConfig | null;
}

export async function fetchSplit(programs: Programs, address: PublicKey): Promise<Split | null> {
  return (await programs.royalties.account.split.fetchNullable(address)) as Split | null;
}

/**
 * Split layout: the entries vector starts at byte 190 (its u32 length), each entry is 58 bytes
 * (address 32, bps 2, settled 8, claimed_in_epoch 16), and a split holds at most 24 entries
 * (16 recipients plus removed ones with an unclaimed balance: MAX_ENTRIES in constants.rs).
 */
export const SPLIT_ENTRIES_OFFSET = 194;
export const SPLIT_ENTRY_SIZE = 58;
export const SPLIT_MAX_ENTRIES = 24;

/**
 * Every split in which `recipient` has an entry (active or with an unclaimed balance). The
 * recipient has no fixed offset, so one server-side filtered query per entry position (the
 * node scans, the wallet downloads only its own splits), deduplicated.
 */
export async function fetchSplitsOf(programs: Programs, recipient: PublicKey): Promise<Keyed<Split>[]> {
  const batches = await Promise.all(
    Array.from({ length: SPLIT_MAX_ENTRIES }, (_, i) =>
      programs.royalties.account.split.all([keyFilter(SPLIT_ENTRIES_OFFSET + i * SPLIT_ENTRY_SIZE, recipient)]),
    ),
  );
  const found = new Map<string, Keyed<Split>>();
  for (const s of batches.flat() as Keyed<Split>[]) {
    // A filter can match a later field by chance: keep the splits that really name the recipient.
    if (s.account.entries.some((e) => e.address.equals(recipient))) found.set(s.publicKey.toBase58(), s);
  }
  return [...found.values()];
}

/**
 * Every `Parked` record (balances of removed recipients that an update_split moved out of a
 * full split) that still owes `recipient`, with the split that pays it. Records are few and
 * short-lived (closed once paid), and a balance has no fixed offset: read them all.
 */
export async function fetchParkedOf(
  programs: Programs,
  recipient: PublicKey,
): Promise<{ parked: Keyed<Parked>; split: Keyed<Split>; owed: bigint }[]> {
  const records = (await programs.royalties.account.parked.all()) as Keyed<Parked>[];
  const mine = records.flatMap((r) => {
    const b = r.account.balances.find((x) => x.address.equals(recipient));
    return b ? [{ parked: r, owed: BigInt(b.owed.toString()) }] : [];
  });
  const splits = await Promise.all(mine.map((m) => fetchSplit(programs, m.parked.account.split)));
  return mine.flatMap((m, i) => {
    const split = splits[i];
    return split ? [{ ...m, split: { publicKey: m.parked.account.split, account: split } }] : [];
  });
}

export interface JobQuery {
  consumer?: PublicKey;
  model?: PublicKey;
  /** The provider account (escrow PDA), not its authority. */
  provider?: PublicKey;
  state?: JobStateName;
}

export async function fetchJobs(programs: Programs, q: JobQuery): Promise<Keyed<Job>[]> {
  const filters: GetProgramAccountsFilter[] = [];
  if (q.consumer) filters.push(keyFilter(JOB_OFFSET.consumer, q.consumer));
  if (q.model) filters.push(keyFilter(JOB_OFFSET.model, q.model));
  if (q.provider) filters.push(keyFilter(JOB_OFFSET.provider, q.provider));
  if (q.state) filters.push(byteFilter(JOB_OFFSET.state, JOB_STATE_INDEX[q.state]));
  return (await programs.escrow.account.job.all(filters)) as Keyed<Job>[];
}

export async function fetchProviderOf(programs: Programs, authority: PublicKey): Promise<ProviderAccount | null> {
  return (await programs.escrow.account.provider.fetchNullable(providerAddress(authority))) as ProviderAccount | null;
}

export interface MintInfo {
  address: PublicKey;
  decimals: number;
  /** The token program that owns the mint (SPL Token or Token-2022). */
  tokenProgram: PublicKey;
  /**
   * The mint's symbol and name from its metadata (Token-2022's metadata interface, else Metaplex's
   * metadata account: @tessera/sdk `fetchMintMetadata`), when it has any.
   */
  symbol?: string;
  name?: string;
}

const mintCache = new Map<string, Promise<MintInfo>>();

/**
 * A mint's decimals, token program, symbol and name (cached per endpoint and mint). One
 * `getMultipleAccountsInfo` reads the mint and its Metaplex metadata account; a Token-2022
 * metadata pointer naming another account costs one more read. Metadata that cannot be read
 * leaves the symbol out (the mint is shown by its address); a missing mint is an error.
 */
export function fetchMintInfo(connection: Connection, mint: PublicKey): Promise<MintInfo> {
  const key = `${connection.rpcEndpoint}|${mint.toBase58()}`;
  let found = mintCache.get(key);
  if (!found) {
    found = (async () => {
      const [info, metaplex] = await connection.getMultipleAccountsInfo([mint, metaplexMetadataAddress(mint)], "confirmed");
      if (!info) throw new Error(`mint ${mint.toBase58()} not found`);
      const owner = info.owner;
      if (!owner.equals(TOKEN_PROGRAM_ID) && !owner.equals(TOKEN_2022_PROGRAM_ID)) {
        throw new Error(`${mint.toBase58()} is not a token mint`);
      }
      const parsed = unpackMint(mint, info, owner);
      const metadata = await mintMetadataFromAccounts(connection, mint, info, metaplex ?? null);
      return {
        address: mint,
        decimals: parsed.decimals,
        tokenProgram: owner,
        symbol: metadata?.symbol || undefined,
        name: metadata?.name || undefined,
      };
    })();
    found.catch(() => mintCache.delete(key));
    mintCache.set(key, found);
  }
  return found;
}

/** A token account's balance in base units, 0n when it does not exist. */
export async function tokenBalance(connection: Connection, account: PublicKey): Promise<bigint> {
  const res = await connection.getTokenAccountBalance(account, "confirmed").catch(() => null);
  return res ? BigInt(res.value.amount) : 0n;
}
