import type { PublicKey } from "@solana/web3.js";

import type { MintInfo } from "../lib/accounts";
import { formatUnits } from "../lib/amounts";
import { shortKey } from "./Address";

/** An amount in UI units of its mint (the mint's decimals), with the mint's short address. */
export function TokenAmount({
  amount,
  mint,
  info,
  testId,
}: {
  amount: bigint;
  mint: PublicKey;
  info: MintInfo | undefined;
  testId?: string;
}) {
  return (
    <span className="amount" title={`${amount} base units of ${mint.toBase58()}`}>
      <span data-testid={testId}>{info ? formatUnits(amount, info.decimals) : "…"}</span>{" "}
      <span className="mint">{shortKey(mint)}</span>
    </span>
  );
}
