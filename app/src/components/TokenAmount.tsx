import type { PublicKey } from "@solana/web3.js";

import type { MintInfo } from "../lib/accounts";
import { formatUnits } from "../lib/amounts";
import { shortKey } from "./Address";

/** The longest symbol shown whole (Metaplex allows 10 bytes; Token-2022 sets no limit). */
const MAX_SYMBOL_CHARS = 12;

/** A mint's symbol for display (cut to MAX_SYMBOL_CHARS), or null when its metadata names none. */
export function mintSymbol(info: MintInfo | undefined): string | null {
  const symbol = info?.symbol?.trim();
  if (!symbol) return null;
  const chars = [...symbol];
  return chars.length > MAX_SYMBOL_CHARS ? `${chars.slice(0, MAX_SYMBOL_CHARS - 1).join("")}…` : symbol;
}

/**
 * A mint as people know it: its symbol when its metadata names one, else its short address. The
 * full address (and the name, if any) is in the tooltip.
 */
export function MintLabel({ mint, info, testId }: { mint: PublicKey; info: MintInfo | undefined; testId?: string }) {
  const address = mint.toBase58();
  const symbol = mintSymbol(info);
  const title = info?.name ? `${info.name} · ${address}` : address;
  return (
    <span className="mint" data-testid={testId} data-mint={address} title={title}>
      {symbol ?? shortKey(mint)}
    </span>
  );
}

/**
 * An amount in UI units of its mint (the mint's decimals), followed by the mint's symbol (its
 * short address when it has none); `testId` names the number, `${testId}-mint` the mint.
 */
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
      <MintLabel mint={mint} info={info} testId={testId ? `${testId}-mint` : undefined} />
    </span>
  );
}

/**
 * A mint in a picker (an `<option>`'s text): its symbol, then its full address, then its
 * decimals once known: "tUSD · 7xKX…(44 characters) (6 decimals)".
 */
export function mintOptionLabel(mint: PublicKey, info: MintInfo | undefined): string {
  const symbol = mintSymbol(info);
  return `${symbol ? `${symbol} · ` : ""}${mint.toBase58()}${info ? ` (${info.decimals} decimals)` : ""}`;
}
