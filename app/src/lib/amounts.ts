// Amounts: base units (bigint) ⇄ UI units (decimal strings) with a mint's decimals, exactly.

import { BN } from "@anchor-lang/core";

/** A BN, bigint or number as a bigint. */
export function big(v: BN | bigint | number | { toString(): string }): bigint {
  return typeof v === "bigint" ? v : BigInt(v.toString());
}

export function toBN(v: bigint): BN {
  return new BN(v.toString());
}

/** `1234500` with 6 decimals → "1.2345"; trailing zeros dropped, no grouping. */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const frac = abs % scale;
  let text = whole.toString();
  if (decimals > 0 && frac > 0n) {
    text += "." + frac.toString().padStart(decimals, "0").replace(/0+$/, "");
  }
  return negative ? `-${text}` : text;
}

/**
 * "1.25" with 6 decimals → 1250000n. Throws an Error with a readable message for anything that
 * is not a non-negative decimal with at most `decimals` fractional digits.
 */
export function parseUnits(text: string, decimals: number): bigint {
  const t = text.trim();
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(t)) throw new Error(`"${text}" is not a non-negative decimal number`);
  const [whole, frac = ""] = t.split(".");
  if (frac.length > decimals) {
    throw new Error(`"${text}" has more than ${decimals} decimal place${decimals === 1 ? "" : "s"}`);
  }
  return BigInt(whole || "0") * 10n ** BigInt(decimals) + BigInt((frac.padEnd(decimals, "0") || "0"));
}

/** parseUnits that returns null instead of throwing. */
export function tryParseUnits(text: string, decimals: number): bigint | null {
  try {
    return parseUnits(text, decimals);
  } catch {
    return null;
  }
}

export const U64_MAX = (1n << 64n) - 1n;

/** 10,000 → "10,000"; for bps and counts. */
export function formatInt(v: bigint | number): string {
  return BigInt(v).toLocaleString("en-US");
}

/** bps → "70%" / "12.5%". */
export function formatBps(bps: number): string {
  return `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })}%`;
}

/** Seconds → "30 days", "1 day 2 h", "45 s"; 0 → "perpetual". */
export function formatDuration(seconds: bigint | number): string {
  let s = Number(seconds);
  if (s === 0) return "perpetual";
  const parts: string[] = [];
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3_600);
  s -= hours * 3_600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  if (days) parts.push(`${days} day${days === 1 ? "" : "s"}`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (s) parts.push(`${s} s`);
  return parts.join(" ");
}

export function formatTime(unix: bigint | number): string {
  return new Date(Number(unix) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
