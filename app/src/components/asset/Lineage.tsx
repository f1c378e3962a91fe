import type { PublicKey } from "@solana/web3.js";

import { AssetLink } from "../Address";
import { useAsync } from "../../hooks/useAsync";
import { usePrograms } from "../../hooks/usePrograms";
import { type Asset, fetchAssets, variant } from "../../lib/accounts";
import { formatBps, formatInt } from "../../lib/amounts";

/** A model's parents with their shares, the models built on this asset, and its versions. */
export function Lineage({ assetKey, asset }: { assetKey: PublicKey; asset: Asset }) {
  const programs = usePrograms();
  const children = useAsync(async () => {
    const models = await fetchAssets(programs, { kind: "model" });
    return models.filter((m) => m.account.parents.some((p) => p.asset.equals(assetKey)));
  }, [programs, assetKey.toBase58()]);
  return (
    <section className="card">
      <h2>Lineage and versions</h2>
      {"model" in asset.kind && (
        <>
          <h3>Trained on</h3>
          {asset.parents.length === 0 ? (
            <p className="muted">No parent assets declared.</p>
          ) : (
            <table className="table" data-testid="parents-table">
              <thead>
                <tr>
                  <th>Parent</th>
                  <th>Share of each sale (after the fee)</th>
                </tr>
              </thead>
              <tbody>
                {asset.parents.map((p) => (
                  <tr key={p.asset.toBase58()}>
                    <td>
                      <AssetLink asset={p.asset} />
                    </td>
                    <td>
                      {formatInt(p.bps)} bps ({formatBps(p.bps)})
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h3>Models built on this {variant(asset.kind)}</h3>
      {children.data && children.data.length === 0 && <p className="muted">None yet.</p>}
      <ul data-testid="children">
        {(children.data ?? []).map((c) => (
          <li key={c.publicKey.toBase58()}>
            <AssetLink asset={c.publicKey} label={c.account.uri} /> —{" "}
            {formatBps(c.account.parents.find((p) => p.asset.equals(assetKey))!.bps)} of its sales
          </li>
        ))}
      </ul>
      <h3>Versions</h3>
      <ul>
        <li>
          Previous version:{" "}
          <span data-testid="previous-version">
            {asset.previousVersion ? <AssetLink asset={asset.previousVersion} /> : <span className="muted">none</span>}
          </span>
        </li>
        <li>
          Superseded by:{" "}
          <span data-testid="successor">
            {asset.successor ? <AssetLink asset={asset.successor} /> : <span className="muted">none (latest)</span>}
          </span>
        </li>
      </ul>
    </section>
  );
}
