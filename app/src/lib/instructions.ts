// Instruction builders for the app's transactions (account lists as in the TS suite, tests/).

import { TOKEN_PROGRAM_ID, createAssociatedTokenAccountIdempotentInstruction } from "@solana/spl-token";
import type { Connection, PublicKey, TransactionInstruction } from "@solana/web3.js";
import { ataAddress } from "@tessera/sdk";

import {
  type Asset,
  type Job,
  type Keyed,
  type Parked,
  type Split,
  fetchEscrowConfig,
  fetchMintInfo,
  fetchRegistryConfig,
} from "./accounts";
import { toBN } from "./amounts";
import {
  REGISTRY_ID,
  ROYALTIES_ID,
  accessMintAddress,
  assetAddress,
  bondVaultAddress,
  escrowConfigAddress,
  jobAddress,
  jobVaultAddress,
  modelProvidersAddress,
  passAddress,
  providerAddress,
  registryConfigAddress,
  royaltiesEventAuthority,
  splitAddress,
  vaultAddress,
} from "./pda";
import type { Programs } from "./programs";

/** The owner's associated token account for `mint` (off-curve owners allowed). */
export const ataOf = (mint: PublicKey, owner: PublicKey, tokenProgram: PublicKey = TOKEN_PROGRAM_ID) =>
  ataAddress(mint, owner, tokenProgram);

/** Creates `owner`'s associated token account when it does not exist yet (payer: `payer`). */
async function ensureAta(
  connection: Connection,
  payer: PublicKey,
  mint: PublicKey,
  owner: PublicKey,
  tokenProgram: PublicKey,
): Promise<{ address: PublicKey; create: TransactionInstruction[] }> {
  const address = ataOf(mint, owner, tokenProgram);
  const exists = (await connection.getAccountInfo(address, "confirmed")) !== null;
  return {
    address,
    create: exists ? [] : [createAssociatedTokenAccountIdempotentInstruction(payer, address, owner, mint, tokenProgram)],
  };
}

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
  programs: Programs,
  connection: Connection,
  p: PublishParams,
): Promise<{ asset: PublicKey; instructions: TransactionInstruction[] }> {
  const mint = await fetchMintInfo(connection, p.paymentMint);
  const asset = assetAddress(p.publisher, p.contentHash);
  const split = splitAddress(asset);
  const ix = await programs.registry.methods
    .publishAsset({
      kind: p.kind === "model" ? { model: {} } : { dataset: {} },
      contentHash: Array.from(p.contentHash),
      uri: p.uri,
      license: { flags: p.licenseFlags, termsHash: Array.from(p.termsHash) },
      price: toBN(p.price),
      maxSupply: toBN(p.maxSupply),
      accessDuration: toBN(p.accessDuration),
      inferenceRoyaltyBps: p.inferenceRoyaltyBps,
      inferenceGated: p.inferenceGated,
      parents: p.parents,
      recipients: p.recipients,
    })
    .accountsPartial({
      config: registryConfigAddress(),
      publisher: p.publisher,
      asset,
      accessMint: accessMintAddress(asset),
      paymentMint: p.paymentMint,
      split,
      splitVault: vaultAddress(split),
      previousVersion: p.previousVersion,
      royaltiesProgram: ROYALTIES_ID,
      royaltiesEventAuthority: royaltiesEventAuthority(),
      paymentTokenProgram: mint.tokenProgram,
      accessTokenProgram: TOKEN_PROGRAM_ID,
    })
    .remainingAccounts(p.parents.map((x) => ({ pubkey: x.asset, isSigner: false, isWritable: false })))
    .instruction();
  return { asset, instructions: [ix] };
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

/** buy_access, preceded by the creation of the treasury's token account if it is missing. */
export async function buyInstructions(
  programs: Programs,
  connection: Connection,
  buyer: PublicKey,
  assetKey: PublicKey,
  asset: Asset,
  quantity: bigint,
  maxUnitPrice: bigint,
  minAccessDuration: bigint = durationGuard(asset),
): Promise<TransactionInstruction[]> {
  const config = await fetchRegistryConfig(programs);
  if (!config) throw new Error("The registry is not initialised on this cluster");
  const mint = await fetchMintInfo(connection, asset.paymentMint);
  const treasury = await ensureAta(connection, buyer, asset.paymentMint, config.treasury, mint.tokenProgram);
  const ix = await programs.registry.methods
    .buyAccess({ quantity: toBN(quantity), maxUnitPrice: toBN(maxUnitPrice), minAccessDuration: toBN(minAccessDuration) })
    .accountsPartial({
      config: registryConfigAddress(),
      asset: assetKey,
      accessMint: asset.accessMint,
      pass: passAddress(assetKey, buyer),
      buyer,
      buyerPaymentAccount: ataOf(asset.paymentMint, buyer, mint.tokenProgram),
      buyerAccessAccount: ataOf(asset.accessMint, buyer),
      paymentMint: asset.paymentMint,
      treasuryTokenAccount: treasury.address,
      split: asset.split,
      splitVault: vaultAddress(asset.split),
      royaltiesProgram: ROYALTIES_ID,
      royaltiesEventAuthority: royaltiesEventAuthority(),
      paymentTokenProgram: mint.tokenProgram,
      accessTokenProgram: TOKEN_PROGRAM_ID,
    })
    .remainingAccounts(
      asset.parents.flatMap((p) => [
        { pubkey: p.split, isSigner: false, isWritable: true },
        { pubkey: vaultAddress(p.split), isSigner: false, isWritable: true },
      ]),
    )
    .instruction();
  return [...treasury.create, ix];
}

export async function redeemInstructions(
  programs: Programs,
  holder: PublicKey,
  assetKey: PublicKey,
  asset: Asset,
  quantity: bigint,
): Promise<TransactionInstruction[]> {
  const ix = await programs.registry.methods
    .redeemAccess(toBN(quantity))
    .accountsPartial({
      holder,
      asset: assetKey,
      pass: passAddress(assetKey, holder),
      accessMint: asset.accessMint,
      holderAccessAccount: ataOf(asset.accessMint, holder),
      accessTokenProgram: TOKEN_PROGRAM_ID,
    })
    .instruction();
  return [ix];
}

/**
 * Claims from each split (all in the same mint) into the recipient's associated token account,
 * created first if missing.
 */
export async function claimInstructions(
  programs: Programs,
  connection: Connection,
  recipient: PublicKey,
  splits: Keyed<Split>[],
): Promise<TransactionInstruction[]> {
  if (splits.length === 0) return [];
  const mintKey = splits[0].account.mint;
  if (!splits.every((s) => s.account.mint.equals(mintKey))) throw new Error("claimInstructions: one mint per transaction");
  const mint = await fetchMintInfo(connection, mintKey);
  const destination = await ensureAta(connection, recipient, mintKey, recipient, mint.tokenProgram);
  const claims = await Promise.all(
    splits.map((s) =>
      programs.royalties.methods
        .claim()
        .accountsPartial({
          recipient,
          split: s.publicKey,
          vault: s.account.vault,
          mint: mintKey,
          destination: destination.address,
          tokenProgram: mint.tokenProgram,
        })
        .instruction(),
    ),
  );
  return [...destination.create, ...claims];
}

/**
 * claim_parked: pays `recipient` the balance a Parked record holds for it (a removed recipient
 * of a split that was full), into its associated token account, created first if missing.
 */
export async function claimParkedInstructions(
  programs: Programs,
  connection: Connection,
  recipient: PublicKey,
  parked: Keyed<Parked>,
  split: Keyed<Split>,
): Promise<TransactionInstruction[]> {
  const mint = await fetchMintInfo(connection, split.account.mint);
  const destination = await ensureAta(connection, recipient, split.account.mint, recipient, mint.tokenProgram);
  const ix = await programs.royalties.methods
    .claimParked()
    .accountsPartial({
      caller: recipient,
      recipient,
      split: split.publicKey,
      parked: parked.publicKey,
      vault: split.account.vault,
      mint: split.account.mint,
      destination: destination.address,
      rentReceiver: parked.account.rentPayer,
      tokenProgram: mint.tokenProgram,
    })
    .instruction();
  return [...destination.create, ix];
}

/** sync: credits a split with what its vault holds beyond what it holds for its recipients. */
export async function syncSplitInstructions(programs: Programs, split: Keyed<Split>): Promise<TransactionInstruction[]> {
  return [await programs.royalties.methods.sync().accountsPartial({ split: split.publicKey, vault: split.account.vault }).instruction()];
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** The accounts confirm_job / release_job / resolve_dispute / settle_dispute share (escrow's `Settlement`). */
async function settlementAccounts(programs: Programs, connection: Connection, payer: PublicKey, job: Keyed<Job>) {
  const config = await fetchEscrowConfig(programs);
  if (!config) throw new Error("The escrow is not initialised on this cluster");
  const provider = await programs.escrow.account.provider.fetch(job.account.provider);
  const mint = await fetchMintInfo(connection, job.account.mint);
  const providerAta = await ensureAta(connection, payer, job.account.mint, provider.authority, mint.tokenProgram);
  const treasuryAta = await ensureAta(connection, payer, job.account.mint, config.treasury, mint.tokenProgram);
  const consumerAta = await ensureAta(connection, payer, job.account.mint, job.account.consumer, mint.tokenProgram);
  return {
    create: [...providerAta.create, ...treasuryAta.create, ...consumerAta.create],
    settlement: {
      config: escrowConfigAddress(),
      job: job.publicKey,
      jobVault: job.account.vault,
      consumer: job.account.consumer,
      consumerTokenAccount: consumerAta.address,
      provider: job.account.provider,
      providerTokenAccount: providerAta.address,
      treasuryTokenAccount: treasuryAta.address,
      modelSplit: job.account.modelSplit,
      modelSplitVault: vaultAddress(job.account.modelSplit),
      mint: job.account.mint,
      tokenProgram: mint.tokenProgram,
      royaltiesProgram: ROYALTIES_ID,
      royaltiesEventAuthority: royaltiesEventAuthority(),
    },
  };
}

export async function confirmJobInstructions(programs: Programs, connection: Connection, consumer: PublicKey, job: Keyed<Job>) {
  const { create, settlement } = await settlementAccounts(programs, connection, consumer, job);
  const ix = await programs.escrow.methods.confirmJob().accountsPartial({ consumerSigner: consumer, settlement }).instruction();
  return [...create, ix];
}

export async function releaseJobInstructions(programs: Programs, connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  const { create, settlement } = await settlementAccounts(programs, connection, caller, job);
  const ix = await programs.escrow.methods.releaseJob().accountsPartial({ caller, settlement }).instruction();
  return [...create, ix];
}

/** settle_dispute: anyone, after the dispute deadline (the default rule: half each, no slash). */
export async function settleDisputeInstructions(programs: Programs, connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  const { create, settlement } = await settlementAccounts(programs, connection, caller, job);
  const ix = await programs.escrow.methods.settleDispute().accountsPartial({ caller, settlement }).instruction();
  return [...create, ix];
}

export async function disputeJobInstructions(programs: Programs, consumer: PublicKey, job: Keyed<Job>) {
  return [await programs.escrow.methods.disputeJob().accountsPartial({ consumer, job: job.publicKey }).instruction()];
}

export async function refundJobInstructions(programs: Programs, connection: Connection, caller: PublicKey, job: Keyed<Job>) {
  const mint = await fetchMintInfo(connection, job.account.mint);
  const consumerAta = await ensureAta(connection, caller, job.account.mint, job.account.consumer, mint.tokenProgram);
  const accepted = "accepted" in job.account.state;
  const ix = await programs.escrow.methods
    .refundJob()
    .accountsPartial({
      caller,
      job: job.publicKey,
      jobVault: jobVaultAddress(job.publicKey),
      consumer: job.account.consumer,
      consumerTokenAccount: consumerAta.address,
      provider: accepted ? job.account.provider : null,
      bondVault: accepted ? bondVaultAddress(job.account.provider) : null,
      mint: job.account.mint,
      tokenProgram: mint.tokenProgram,
    })
    .instruction();
  return [...consumerAta.create, ix];
}


/** The terms a provider accepts (accept_job's guards): exactly what it was shown. */
export interface AcceptGuards {
  /** The job instance shown: its input commitment and funding time (a job closed and reopened
   *  at the same address differs in these). */
  inputCommitment: number[];
  fundedAt: bigint;
  fee: bigint;
  deliveryWindow: number;
  challengeWindow: number;
  /** The most of its bond the provider agrees to put at stake (the slash shown). */
  maxSlash: bigint;
  /** The arbiter and the dispute window shown (the config's, fixed on the job at acceptance). */
  arbiter: PublicKey;
  disputeWindow: number;
}

/**
 * accept_job with the provider's guards; the program refuses it if the job instance, its fee,
 * its windows, the arbiter or the dispute window differ (JobTermsChanged) or the slash it would fix exceeds `maxSlash` (SlashAboveLimit).
 */
export async function acceptJobInstructions(programs: Programs, authority: PublicKey, job: Keyed<Job>, guards: AcceptGuards) {
  const ix = await programs.escrow.methods
    .acceptJob({
      inputCommitment: guards.inputCommitment,
      fundedAt: toBN(guards.fundedAt),
      fee: toBN(guards.fee),
      deliveryWindow: guards.deliveryWindow,
      challengeWindow: guards.challengeWindow,
      maxSlash: toBN(guards.maxSlash),
      arbiter: guards.arbiter,
      disputeWindow: guards.disputeWindow,
    })
    .accountsPartial({
      authority,
      config: escrowConfigAddress(),
      provider: providerAddress(authority),
      job: job.publicKey,
      modelProviders: modelProvidersAddress(job.account.model),
    })
    .instruction();
  return [ix];
}

export async function submitResultInstructions(programs: Programs, authority: PublicKey, job: Keyed<Job>, commitment: Uint8Array) {
  const ix = await programs.escrow.methods
    .submitResult(Array.from(commitment))
    .accountsPartial({ authority, provider: providerAddress(authority), job: job.publicKey })
    .instruction();
  return [ix];
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
export async function openJobInstructions(programs: Programs, connection: Connection, p: OpenJobParams) {
  const mint = await fetchMintInfo(connection, p.model.paymentMint);
  const job = jobAddress(p.consumer, toBN(p.jobId));
  const ix = await programs.escrow.methods
    .openJob({
      jobId: toBN(p.jobId),
      fee: toBN(p.fee),
      inputCommitment: Array.from(p.inputCommitment),
      provider: p.provider,
      acceptWindow: p.acceptWindow,
      deliveryWindow: p.deliveryWindow,
      challengeWindow: p.challengeWindow,
    })
    .accountsPartial({
      config: escrowConfigAddress(),
      consumer: p.consumer,
      model: p.modelKey,
      job,
      jobVault: jobVaultAddress(job),
      mint: p.model.paymentMint,
      consumerTokenAccount: ataOf(p.model.paymentMint, p.consumer, mint.tokenProgram),
      pass: p.model.inferenceGated ? passAddress(p.modelKey, p.consumer) : null,
      consumerAccessAccount: p.model.inferenceGated ? ataOf(p.model.accessMint, p.consumer) : null,
      registryProgram: REGISTRY_ID,
      tokenProgram: mint.tokenProgram,
    })
    .instruction();
  return { job, instructions: [ix] };
}
