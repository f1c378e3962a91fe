// Which job actions the escrow program allows now (programs/tessera-escrow/src/instructions), the
// deadline that matters in each state, and a job's terms: its windows, its deadlines and the
// slash at stake — what a provider sees before it accepts, and sends back as its guards.

import type { PublicKey } from "@solana/web3.js";
import { slashAtStake } from "@tessera/sdk";

import { type EscrowConfig, type Job, type JobStateName, variant } from "./accounts";
import { big } from "./amounts";

/** accept_job's slash (the SDK's: `min(floor(bond × slash_bps / 10,000), fee × max_slash_fee_multiple)`). */
export { slashAtStake };

export type Role = "consumer" | "provider";

/** What the escrow program allows now, for this role (programs/tessera-escrow/src/instructions). */
export function allowedActions(job: Job, role: Role, now: number, servesModel: boolean) {
  const state = variant<JobStateName>(job.state);
  const acceptDeadline = Number(big(job.acceptDeadline));
  const deliveryDeadline = Number(big(job.deliveryDeadline));
  const challengeDeadline = Number(big(job.challengeDeadline));
  const disputeDeadline = Number(big(job.disputeDeadline));
  return {
    confirm: role === "consumer" && state === "delivered",
    dispute: role === "consumer" && state === "delivered" && now < challengeDeadline,
    release: state === "delivered" && now >= challengeDeadline,
    refund: (state === "open" && now >= acceptDeadline) || (state === "accepted" && now >= deliveryDeadline),
    accept: role === "provider" && servesModel && state === "open" && now < acceptDeadline,
    submit: role === "provider" && state === "accepted" && now < deliveryDeadline,
    /** settle_dispute: anyone, once the arbiter's dispute deadline has passed. */
    settle: state === "disputed" && now >= disputeDeadline,
  };
}

export function deadlineOf(job: Job): { label: string; at: number } | null {
  switch (variant<JobStateName>(job.state)) {
    case "open":
      return { label: "accept deadline", at: Number(big(job.acceptDeadline)) };
    case "accepted":
      return { label: "delivery deadline", at: Number(big(job.deliveryDeadline)) };
    case "delivered":
      return { label: "challenge deadline", at: Number(big(job.challengeDeadline)) };
    case "disputed":
      return { label: "arbiter's deadline", at: Number(big(job.disputeDeadline)) };
    default:
      return null;
  }
}

export interface JobTerms {
  /** The job instance: its input commitment and funding time (sent back as guards). */
  inputCommitment: number[];
  fundedAt: bigint;
  fee: bigint;
  acceptDeadline: number;
  deliveryWindow: number;
  challengeWindow: number;
  /** The slash at stake: fixed on an accepted job; on an open one, what accepting would fix
   *  for this provider (`null` when there is no provider to compute it for). */
  slash: bigint | null;
  /** Whether `slash` is fixed on the job (accepted) or a quote (open). */
  slashFixed: boolean;
  /** Upper bound of the slash on an open job whoever accepts: `fee × max_slash_fee_multiple`. */
  slashCap: bigint | null;
  /** Seconds the arbiter has after a dispute: fixed at acceptance; before, the config's. */
  disputeWindow: number | null;
  /** Who resolves a dispute: fixed at acceptance; before, the config's. */
  arbiter: PublicKey | null;
}

/**
 * A job's terms as the app shows them. `providerBond` is the viewing provider's recorded bond
 * (to quote the slash of an open job); `config` the escrow config (slash share and cap, dispute
 * window) — both read by the caller, so that the quote shown is the quote sent as a guard.
 */
export function jobTerms(job: Job, config: EscrowConfig | null, providerBond: bigint | null): JobTerms {
  const open = variant<JobStateName>(job.state) === "open";
  const fee = big(job.fee);
  let slash: bigint | null = null;
  if (!open) slash = big(job.slashAmount);
  else if (config && providerBond !== null) {
    slash = slashAtStake(fee, providerBond, config.slashBps, config.maxSlashFeeMultiple);
  }
  return {
    inputCommitment: Array.from(job.inputCommitment),
    fundedAt: big(job.fundedAt),
    fee,
    acceptDeadline: Number(big(job.acceptDeadline)),
    deliveryWindow: job.deliveryWindow,
    challengeWindow: job.challengeWindow,
    slash,
    slashFixed: !open,
    slashCap: open && config ? fee * BigInt(config.maxSlashFeeMultiple) : null,
    disputeWindow: open ? (config?.disputeWindow ?? null) : job.disputeWindow,
    arbiter: open ? (config?.arbiter ?? null) : job.arbiter,
  };
}
