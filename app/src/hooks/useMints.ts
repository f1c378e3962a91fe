import { useConnection } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";

import { type MintInfo, fetchMintInfo } from "../lib/accounts";
import { useAsync } from "./useAsync";

/** Decimals, token program and symbol (from the mint's metadata) of each mint, keyed by base58, loaded once per mint. */
export function useMints(mints: PublicKey[]): Map<string, MintInfo> {
  const { connection } = useConnection();
  const keys = [...new Set(mints.map((m) => m.toBase58()))].sort();
  const { data } = useAsync(async () => {
    const infos = await Promise.all(
      keys.map((k) => fetchMintInfo(connection, mints.find((m) => m.toBase58() === k)!).catch(() => null)),
    );
    return new Map(infos.filter((i): i is MintInfo => i !== null).map((i) => [i.address.toBase58(), i]));
  }, [connection, keys.join(",")]);
  return data ?? new Map();
}
