// A provider's jobs, read once for My jobs and the provider console: the open jobs it may accept
// (a model it serves, requested from any provider or from it) and the jobs it accepted.

import type { PublicKey } from "@solana/web3.js";
import { providerAddress } from "@tessera/sdk";

import { type Job, type Keyed, type ProviderAccount, fetchJobs, fetchProviderOf } from "../../lib/accounts";
import type { Programs } from "../../lib/programs";

export interface ProviderJobs {
  /** Null when `authority` is not a registered provider (then no jobs). */
  provider: ProviderAccount | null;
  mayAccept: Keyed<Job>[];
  accepted: Keyed<Job>[];
}

export async function fetchProviderJobs(programs: Programs, authority: PublicKey): Promise<ProviderJobs> {
  const provider = await fetchProviderOf(programs, authority);
  if (!provider) return { provider, mayAccept: [], accepted: [] };
  const providerKey = providerAddress(authority);
  const [accepted, open] = await Promise.all([fetchJobs(programs, { provider: providerKey }), fetchJobs(programs, { state: "open" })]);
  const mayAccept = open.filter(
    (j) =>
      provider.models.some((m) => m.equals(j.account.model)) &&
      (!j.account.requestedProvider || j.account.requestedProvider.equals(providerKey)),
  );
  return { provider, mayAccept, accepted };
}
