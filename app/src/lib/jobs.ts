// Which job actions the escrow program allows now (programs/tessera-escrow/src/instructions), and
// the deadline that matters in each state.

import { type Job, type JobStateName, variant } from "./accounts";
import { big } from "./amounts";

export type Role = "consumer" | "provider";

/** What the escrow program allows now, for this role (programs/tessera-escrow/src/instructions). */
export function allowedActions(job: Job, role: Role, now: number, servesModel: boolean) {
  const state = variant<JobStateName>(job.state);
  const acceptDeadline = Number(big(job.acceptDeadline));
  const deliveryDeadline = Number(big(job.deliveryDeadline));
  const challengeDeadline = Number(big(job.challengeDeadline));
  return {
    confirm: role === "consumer" && state === "delivered",
    dispute: role === "consumer" && state === "delivered" && now < challengeDeadline,
    release: state === "delivered" && now >= challengeDeadline,
    refund: (state === "open" && now >= acceptDeadline) || (state === "accepted" && now >= deliveryDeadline),
    accept: role === "provider" && servesModel && state === "open" && now < acceptDeadline,
    submit: role === "provider" && state === "accepted" && now < deliveryDeadline,
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
    default:
      return null;
  }
}
