// Every program-derived address of the Tessera programs, and the only place in TypeScript where
// their seeds are written (the programs' own: programs/*/src/constants.rs; the Rust client's
// client/src/pda.rs derives the same). Synchronous, @solana/web3.js 1.x `PublicKey`s.

import { PublicKey } from "@solana/web3.js";

import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  BPF_LOADER_UPGRADEABLE_PROGRAM_ID,
  CHANNELS_PROGRAM_ID,
  ESCROW_PROGRAM_ID,
  REGISTRY_PROGRAM_ID,
  ROYALTIES_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from "./programs";

const enc = (s: string) => new TextEncoder().encode(s);

/** The seeds' constant prefixes, as in each program's src/constants.rs. */
export const SEEDS = {
  /** registry and escrow: `[CONFIG_SEED]` */
  config: enc("config"),
  /** registry: `[ASSET_SEED, publisher, content_hash]` */
  asset: enc("asset"),
  /** registry: `[ACCESS_MINT_SEED, asset]` */
  accessMint: enc("access_mint"),
  /** registry: `[PASS_SEED, asset, holder]` */
  pass: enc("pass"),
  /** registry: `[FEE_VAULT_SEED, asset]` */
  feeVault: enc("fee_vault"),
  /** royalties: `[SPLIT_SEED, subject]` */
  split: enc("split"),
  /** royalties: `[VAULT_SEED, split]` */
  vault: enc("vault"),
  /** royalties: `[PARKED_SEED, split, version as u32 LE]` */
  parked: enc("parked"),
  /** escrow: `[PROVIDER_SEED, authority]` */
  provider: enc("provider"),
  /** escrow: `[BOND_VAULT_SEED, provider]` */
  bondVault: enc("bond"),
  /** escrow: `[JOB_SEED, consumer, job_id as u64 LE]` */
  job: enc("job"),
  /** escrow: `[JOB_VAULT_SEED, job]` */
  jobVault: enc("job_vault"),
  /** escrow: `[MODEL_PROVIDERS_SEED, model]` */
  modelProviders: enc("model_providers"),
  /** channels: `[CHANNEL_SEED, payer, channel_id as u64 LE]` */
  channel: enc("channel"),
  /** channels: `[CHANNEL_VAULT_SEED, channel]` */
  channelVault: enc("channel_vault"),
  /** channels: `[PAYER_CHANNELS_SEED, payer]` (a payer's channel counter) */
  payerChannels: enc("payer"),
  /** Anchor's `emit_cpi!` authority of any program: `[b"__event_authority"]` */
  eventAuthority: enc("__event_authority"),
} as const;

const pda = (seeds: Uint8Array[], programId: PublicKey) => PublicKey.findProgramAddressSync(seeds, programId)[0];

/** A u64 (a number, bigint, or anything whose toString() is its decimal value, e.g. a BN) as 8 LE bytes. */
export function u64Le(value: number | bigint | { toString(): string }): Uint8Array {
  const v = typeof value === "bigint" ? value : BigInt(value.toString());
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${v} is not a u64`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

function u32Le(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`${value} is not a u32`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

const bytes = (b: Uint8Array | readonly number[]) => (b instanceof Uint8Array ? b : Uint8Array.from(b));

// registry
/** The registry's global config. */
export const registryConfigAddress = () => pda([SEEDS.config], REGISTRY_PROGRAM_ID);
/** An asset of `publisher` with this 32-byte content hash. */
export const assetAddress = (publisher: PublicKey, contentHash: Uint8Array | readonly number[]) =>
  pda([SEEDS.asset, publisher.toBytes(), bytes(contentHash)], REGISTRY_PROGRAM_ID);
/** An asset's access-token mint. */
export const accessMintAddress = (asset: PublicKey) => pda([SEEDS.accessMint, asset.toBytes()], REGISTRY_PROGRAM_ID);
/** An asset's fee vault: the protocol fees of its sales, until `sweep_fees` moves them to the treasury. */
export const feeVaultAddress = (asset: PublicKey) => pda([SEEDS.feeVault, asset.toBytes()], REGISTRY_PROGRAM_ID);
/** A holder's access pass of an asset. */
export const passAddress = (asset: PublicKey, holder: PublicKey) =>
  pda([SEEDS.pass, asset.toBytes(), holder.toBytes()], REGISTRY_PROGRAM_ID);

// royalties
/** The royalty split of a subject (an asset). */
export const splitAddress = (subject: PublicKey) => pda([SEEDS.split, subject.toBytes()], ROYALTIES_PROGRAM_ID);
/** A split's vault token account. */
export const vaultAddress = (split: PublicKey) => pda([SEEDS.vault, split.toBytes()], ROYALTIES_PROGRAM_ID);
/** The balances parked when a split at `version` was updated. */
export const parkedAddress = (split: PublicKey, version: number) =>
  pda([SEEDS.parked, split.toBytes(), u32Le(version)], ROYALTIES_PROGRAM_ID);

// escrow
/** The escrow's global config. */
export const escrowConfigAddress = () => pda([SEEDS.config], ESCROW_PROGRAM_ID);
/** The provider account of an authority. */
export const providerAddress = (authority: PublicKey) => pda([SEEDS.provider, authority.toBytes()], ESCROW_PROGRAM_ID);
/** A provider's bond vault token account. */
export const bondVaultAddress = (provider: PublicKey) => pda([SEEDS.bondVault, provider.toBytes()], ESCROW_PROGRAM_ID);
/** A consumer's job `jobId`. */
export const jobAddress = (consumer: PublicKey, jobId: number | bigint | { toString(): string }) =>
  pda([SEEDS.job, consumer.toBytes(), u64Le(jobId)], ESCROW_PROGRAM_ID);
/** A job's escrow vault token account. */
export const jobVaultAddress = (job: PublicKey) => pda([SEEDS.jobVault, job.toBytes()], ESCROW_PROGRAM_ID);
/** A model's provider allow-list (set by its publisher; absent: any provider serving it). */
export const modelProvidersAddress = (model: PublicKey) =>
  pda([SEEDS.modelProviders, model.toBytes()], ESCROW_PROGRAM_ID);

// channels
/** The channels program's global config. */
export const channelsConfigAddress = () => pda([SEEDS.config], CHANNELS_PROGRAM_ID);
/** A payer's payment channel `channelId` (its n-th channel: 1, 2, 3, …). */
export const channelAddress = (payer: PublicKey, channelId: number | bigint | { toString(): string }) =>
  pda([SEEDS.channel, payer.toBytes(), u64Le(channelId)], CHANNELS_PROGRAM_ID);
/** A channel's vault token account. */
export const channelVaultAddress = (channel: PublicKey) =>
  pda([SEEDS.channelVault, channel.toBytes()], CHANNELS_PROGRAM_ID);
/** A payer's channel counter (`PayerChannels`: the id of its latest channel; never closed). */
export const payerChannelsAddress = (payer: PublicKey) =>
  pda([SEEDS.payerChannels, payer.toBytes()], CHANNELS_PROGRAM_ID);

// any program
/** The global config of the registry, the escrow or the channels (`["config"]` under `programId`). */
export const configAddress = (programId: PublicKey) => pda([SEEDS.config], programId);
/** A program's `emit_cpi!` event authority. */
export const eventAuthorityAddress = (programId: PublicKey) => pda([SEEDS.eventAuthority], programId);
/** The ProgramData account of an upgradeable program. */
export const programDataAddress = (programId: PublicKey) =>
  pda([programId.toBytes()], BPF_LOADER_UPGRADEABLE_PROGRAM_ID);
/** The associated token account of `owner` for `mint` under `tokenProgram` (off-curve owners too). */
export const ataAddress = (mint: PublicKey, owner: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID) =>
  pda([owner.toBytes(), tokenProgram.toBytes(), mint.toBytes()], ASSOCIATED_TOKEN_PROGRAM_ID);
