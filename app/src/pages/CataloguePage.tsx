import { PublicKey } from "@solana/web3.js";
import { useState } from "react";

import { Address, AssetLink } from "../components/Address";
import { TokenAmount, mintOptionLabel } from "../components/TokenAmount";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import {
  type AssetKindName,
  type AssetQuery,
  type AssetStateName,
  fetchAssets,
  fetchRegistryConfig,
  variant,
} from "../lib/accounts";
import { big, formatInt, tryParseUnits } from "../lib/amounts";

function parseKey(text: string): PublicKey | null | "invalid" {
  if (!text.trim()) return null;
  try {
    return new PublicKey(text.trim());
  } catch {
    return "invalid";
  }
}

export function CataloguePage() {
  const programs = usePrograms();
  const [kind, setKind] = useState<AssetKindName | "">("");
  const [state, setState] = useState<AssetStateName | "">("listed");
  const [mint, setMint] = useState("");
  const [publisher, setPublisher] = useState("");
  const [minPrice, setMinPrice] = useState("");
  const [maxPrice, setMaxPrice] = useState("");

  const publisherKey = parseKey(publisher);
  const mintKey = parseKey(mint);
  const config = useAsync(() => fetchRegistryConfig(programs), [programs]);

  // Server-side filters (memcmp): kind, state, payment mint, publisher.
  const query: AssetQuery = {
    kind: kind || undefined,
    state: state || undefined,
    paymentMint: mintKey instanceof PublicKey ? mintKey : undefined,
    publisher: publisherKey instanceof PublicKey ? publisherKey : undefined,
  };
  const assets = useAsync(
    () => fetchAssets(programs, query),
    [programs, query.kind, query.state, query.paymentMint?.toBase58(), query.publisher?.toBase58()],
  );
  const mints = useMints([...(assets.data ?? []).map((a) => a.account.paymentMint), ...(config.data?.paymentMints ?? [])]);

  // The price range is in UI units of each asset's own mint.
  const rows = (assets.data ?? [])
    .filter((a) => {
      const info = mints.get(a.account.paymentMint.toBase58());
      if (!info) return true;
      const price = big(a.account.price);
      const lo = minPrice ? tryParseUnits(minPrice, info.decimals) : null;
      const hi = maxPrice ? tryParseUnits(maxPrice, info.decimals) : null;
      return (lo === null || price >= lo) && (hi === null || price <= hi);
    })
    .sort((a, b) => big(b.account.publishedAt) > big(a.account.publishedAt) ? 1 : -1);

  return (
    <div className="page">
      <h1>Catalogue</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Kind
          <select data-testid="filter-kind" value={kind} onChange={(e) => setKind(e.target.value as AssetKindName | "")}>
            <option value="">datasets and models</option>
            <option value="dataset">datasets</option>
            <option value="model">models</option>
          </select>
        </label>
        <label>
          State
          <select data-testid="filter-state" value={state} onChange={(e) => setState(e.target.value as AssetStateName | "")}>
            <option value="">any</option>
            <option value="listed">listed</option>
            <option value="delisted">delisted</option>
            <option value="retired">retired</option>
          </select>
        </label>
        <label>
          Payment mint
          <select data-testid="filter-mint" value={mint} onChange={(e) => setMint(e.target.value)}>
            <option value="">any</option>
            {(config.data?.paymentMints ?? []).map((m) => (
              <option key={m.toBase58()} value={m.toBase58()}>
                {mintOptionLabel(m, mints.get(m.toBase58()))}
              </option>
            ))}
          </select>
        </label>
        <label>
          Publisher
          <input data-testid="filter-publisher" value={publisher} placeholder="address" onChange={(e) => setPublisher(e.target.value)} />
          {publisherKey === "invalid" && <span className="error">not an address</span>}
        </label>
        <label>
          Price from
          <input data-testid="filter-min-price" value={minPrice} inputMode="decimal" onChange={(e) => setMinPrice(e.target.value)} />
        </label>
        <label>
          to
          <input data-testid="filter-max-price" value={maxPrice} inputMode="decimal" onChange={(e) => setMaxPrice(e.target.value)} />
        </label>
      </form>

      {assets.error && <p className="error">Could not load the assets: {assets.error.message}</p>}
      {!config.loading && !config.data && <p className="warning">The registry is not initialised on this cluster.</p>}
      <p className="muted" data-testid="catalogue-count">
        {assets.loading ? "Loading…" : `${rows.length} asset${rows.length === 1 ? "" : "s"}`}
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Asset</th>
            <th>Metadata</th>
            <th>Publisher</th>
            <th>Price</th>
            <th>Supply left</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ publicKey, account: a }) => {
            const max = big(a.maxSupply);
            return (
              <tr key={publicKey.toBase58()} data-testid="asset-row" data-asset={publicKey.toBase58()}>
                <td>{variant(a.kind)}</td>
                <td>
                  <AssetLink asset={publicKey} />
                </td>
                <td className="uri">{a.uri}</td>
                <td>
                  <Address value={a.publisher} />
                </td>
                <td>
                  <TokenAmount amount={big(a.price)} mint={a.paymentMint} info={mints.get(a.paymentMint.toBase58())} />
                </td>
                <td>{max === 0n ? "unlimited" : formatInt(max - big(a.sold))}</td>
                <td>{variant(a.state)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
