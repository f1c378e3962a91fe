// The app's transactions: the SDK's flows (@tessera/sdk, sdk/src/flows.ts), which derive every
// account and create a missing associated token account first. This module only adapts the
// app's decoded accounts and form values to them.

import type { Connection, PublicKey, TransactionInstruction } from "@solana/web3.js";
import {
  type AcceptGuards,
  ataAddress,
  buyFlow,
  claimFlow,
  claimParkedFlow,
  confirmJobFlow,
  disputeJobInstruction,
  acceptJobInstruction,
  openJobFlow,
  publishFlow,
  redeemAccessInstruction,
  refundJobFlow,
  releaseJobFlow,
  settleDisputeFlow,
  submitResultInstruction,
  syncSplitInstruction,
} from "@tessera/sdk";

import type { Asset, Job, Keyed, Parked, Split } from "./accounts";

/** The owner's associated token account for `mint` under `tokenProgram` (SPL Token by default). */
export const ataOf = (mint: PublicKey, owner: PublicKey, tokenProgram?: PublicKey) => ataAddress(mint, owner, tokenProgram);

export interface PublishParams {
  publisher: PublicKey;
  kind: "dataset" | "model";
  contentHash: Uint8Array;
  uri: string;
  licenseFlags: number;
  termsHash: Uint8Array;
  paymentMint: PublicKey;
  price: bigint;
  maxSupply: bigint;
  accessDuration: bigint;
  inferenceRoyaltyBps: number;
  inferenceGated: boolean;
  parents: { asset: PublicKey; bps: number }[];
  recipients: { address: PublicKey; bps: number }[];
  previousVersion: PublicKey | null;
}

export async function publishInstructions(
  connection: Connection,
  p: PublishParams,
): Promise<{ asset: PublicKey; instructions: TransactionInstruction[] }> {
  const { asset, instructions } = await publishFlow(connection, {
    publisher: p.publisher,
    paymentMint: p.paymentMint,
    previousVersion: p.previousVersion,
    args: {
      kind: p.kind,
      contentHash: p.contentHash,
      uri: p.uri,
      license: { flags: p.licenseFlags, termsHash: p.termsHash },
      price: p.price,
      maxSupply: p.maxSupply,
      accessDuration: p.accessDuration,
      inferenceRoyaltyBps: p.inferenceRoyaltyBps,
      inferenceGated: p.inferenceGated,
      parents: p.parents,
      recipients: p.recipients,
    },
  });
  return { asset, instructions };
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * The duration guard for the access the buyer was shown: at least the asset's access duration
 * per token, or — for a perpetual asset (duration 0) — perpetual only (u64::MAX).
 */
export const durationGuard = (asset: Asset): bigint => {
  const d = BigInt(asset.accessDuration.toString());
  return d === 0n ? U64_MAX : d;
};

/** buy_access (the fee goes to the asset's own fee vault), or claim_free_pass for a free asset. */
export async function buyInstructions(
  connection: Connection,
  buyer: PublicKey,
  assetKey: PublicKey,
  asset: Asset,
  quantity: bigint,
  maxUnitPrice: bigint,
  minAccessDuration: bigint = durationGuard(asset),
): Promise<TransactionInstruction[]> {
  // The SDK reads the price as a bigint (a free asset, price 0, is claimed instead of bought).
  const ref = { ...asset, price: BigInt(asset.price.toString()) };
  const { instructions } = await buyFlow(connection, {
    buyer,
    assetKey,
    asset: ref,
    args: { quantity, maxUnitPrice, minAccessDuration },
  });
  return instructions;
}

export async function redeemInstructions(holder: PublicKey, assetKey: PublicKey, quantity: bigint): Promise<TransactionInstruction[]> {
  return [redeemAccessInstruction(holder, assetKey, quantity)];
}

/**
 * Claims from each split (all in the same mint) into the recipient's associated token account,
 * created first if missing.
 */
export async function claimInstructions(
  connection: Connection,
  recipient: PublicKey,
  splits: Keyed<Split>[],
): Promise<TransactionInstruction[]> {
  return (await claimFlow(connection, recipient, splits)).instructions;
}

/**
 * claim_parked: pays `recipient` the balance a Parked record holds for it (a removed recipient
 * of a split that was full), into its associated token account, created first if missing.
 */
export async function claimParkedInstructions(
  connection: Connection,
  recipient: PublicKey,
  parked: Keyed<Parked>,
  split: Keyed<Split>,
): Promise<TransactionInstruction[]> {
  const { instructions } = await claimParkedFlow(connection, {
    recipient,
    splitKey: split.publicKey,
    split: split.account,
    version: parked.account.version,
    rentReceiver: parked.account.rentPayer,
  });
  return instructions;
}

/** sync: credits a split with what its vault holds beyond what it holds for its recipients. */
export async function syncSplitInstructions(split: Keyed<Split>): Promise<TransactionInstruction[]> {
  return [syncSplitInstruction(split.publicKey)];
}

// ---------------------------------------------------------------------------------------------
// Jobs: settlements and refunds mark a Token-2022 mint writable (the SDK's rule), so that the
// program can harvest the job vault's withheld transfer fees before closing it.

export async function confirmJobInstructions(connection: Connection, consumer: PublicKey, job: Keyed<Job>) {
  return (await confirmJobFlow(connection, consumer, job.publicKey, job.account)).instructions;
}

export async function releaseJobInstructions(connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  return (await releaseJobFlow(connection, caller, job.publicKey, job.account)).instructions;
}

/** settle_dispute: anyone, after the dispute deadline (the default rule: half each, no slash). */
export async function settleDisputeInstructions(connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  return (await settleDisputeFlow(connection, caller, job.publicKey, job.account)).instructions;
}

export async function disputeJobInstructions(consumer: PublicKey, job: Keyed<Job>) {
  return [disputeJobInstruction(consumer, job.publicKey)];
}

export async function refundJobInstructions(connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  return (await refundJobFlow(connection, caller, job.publicKey, job.account)).instructions;
}

/**
 * accept_job with the provider's guards (the terms it was shown); the program refuses it if the
 * job instance, its fee, its windows, the arbiter or the dispute window differ (JobTermsChanged)
 * or the slash it would fix exceeds `maxSlash` (SlashAboveLimit).
 */
export async function acceptJobInstructions(authority: PublicKey, job: Keyed<Job>, guards: AcceptGuards) {
  return [acceptJobInstruction(authority, job.publicKey, job.account.model, guards)];
}

export async function submitResultInstructions(authority: PublicKey, job: Keyed<Job>, commitment: Uint8Array) {
  return [submitResultInstruction(authority, job.publicKey, commitment)];
}

export interface OpenJobParams {
  consumer: PublicKey;
  modelKey: PublicKey;
  model: Asset;
  jobId: bigint;
  fee: bigint;
  inputCommitment: Uint8Array;
  /** A specific provider (its escrow Provider account), or null for any provider of the model. */
  provider: PublicKey | null;
  acceptWindow: number;
  deliveryWindow: number;
  challengeWindow: number;
}

/** open_job; an access-gated model also gets the consumer's pass and access-token account. */
export async function openJobInstructions(connection: Connection, p: OpenJobParams) {
  const { job, instructions } = await openJobFlow(connection, {
    consumer: p.consumer,
    model: p.modelKey,
    asset: p.model,
    args: {
      jobId: p.jobId,
      fee: p.fee,
      inputCommitment: p.inputCommitment,
      provider: p.provider,
      acceptWindow: p.acceptWindow,
      deliveryWindow: p.deliveryWindow,
      challengeWindow: p.challengeWindow,
    },
  });
  return { job, instructions };
}
