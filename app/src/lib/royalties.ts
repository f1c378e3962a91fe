// What a split owes a recipient: tessera-royalties' `Split::owed_at` (state/split.rs), in bigint.
//   pool        = total_received − epoch_start          (the current epoch's pool)
//   entitlement = floor(pool × bps / 10,000)
//   owed        = settled + entitlement − claimed_in_epoch

import type { PublicKey } from "@solana/web3.js";

import type { Split } from "./accounts";
import { big } from "./amounts";

export const BPS_DENOMINATOR = 10_000n;

export function owedTo(split: Split, recipient: PublicKey): bigint {
  const entry = split.entries.find((e) => e.address.equals(recipient));
  if (!entry) return 0n;
  const pool = big(split.totalReceived) - big(split.epochStart);
  const entitlement = (pool * BigInt(entry.bps)) / BPS_DENOMINATOR;
  return big(entry.settled) + entitlement - big(entry.claimedInEpoch);
}
