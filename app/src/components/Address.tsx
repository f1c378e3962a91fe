import type { PublicKey } from "@solana/web3.js";
import { Link } from "react-router-dom";

import { useSettings } from "../context/Settings";
import { explorerAddressUrl } from "../lib/cluster";

export const shortKey = (k: PublicKey | string) => {
  const s = typeof k === "string" ? k : k.toBase58();
  return `${s.slice(0, 4)}…${s.slice(-4)}`;
};

/** An address, shortened, with its full value on hover and an explorer link. */
export function Address({ value, full = false }: { value: PublicKey | string; full?: boolean }) {
  const { endpoint } = useSettings();
  const s = typeof value === "string" ? value : value.toBase58();
  return (
    <a className="address" title={s} data-address={s} href={explorerAddressUrl(s, endpoint)} target="_blank" rel="noreferrer">
      {full ? s : shortKey(s)}
    </a>
  );
}

/** A link to an asset's page in the app. */
export function AssetLink({ asset, label }: { asset: PublicKey | string; label?: string }) {
  const s = typeof asset === "string" ? asset : asset.toBase58();
  return (
    <Link to={`/asset/${s}`} data-address={s} title={s}>
      {label ?? shortKey(s)}
    </Link>
  );
}
