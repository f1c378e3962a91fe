import { PublicKey } from "@solana/web3.js";
import { useMemo } from "react";
import { useParams } from "react-router-dom";

import { Address } from "../components/Address";
import { AccessPanel } from "../components/asset/AccessPanel";
import { AssetDetails } from "../components/asset/AssetDetails";
import { DownloadPanel } from "../components/asset/DownloadPanel";
import { Lineage } from "../components/asset/Lineage";
import { OpenJobForm } from "../components/asset/OpenJobForm";
import { PayPerCallPanel } from "../components/asset/PayPerCallPanel";
import { SplitTable } from "../components/asset/SplitTable";
import { TryItPanel } from "../components/asset/TryItPanel";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { fetchAsset, variant } from "../lib/accounts";

function parseAddress(s: string | undefined): PublicKey | null {
  try {
    return s ? new PublicKey(s) : null;
  } catch {
    return null;
  }
}

export function AssetPage() {
  const { address } = useParams();
  const assetKey = useMemo(() => parseAddress(address), [address]);
  const programs = usePrograms();
  // The account with the address it was read for: moving from one asset's page to another's,
  // useAsync still holds the previous asset's account until the new one is read, and panels
  // given the new address with the old account would build transactions from both (a purchase
  // then fails with ConstraintAddress).
  const asset = useAsync(
    async () => ({ address, account: assetKey ? await fetchAsset(programs, assetKey) : null }),
    [programs, address],
  );
  const loaded = asset.data?.address === address ? asset.data : undefined;
  const mints = useMints(loaded?.account ? [loaded.account.paymentMint] : []);

  if (!assetKey) return <div className="page error">Not an address: {address}</div>;
  if (!loaded && !(asset.error && !asset.loading)) return <div className="page">Loading…</div>;
  if (asset.error) return <div className="page error">Could not load the asset: {asset.error.message}</div>;
  if (!loaded?.account) return <div className="page error">No Tessera asset at {assetKey.toBase58()} on this cluster.</div>;

  const a = loaded.account;
  const mint = mints.get(a.paymentMint.toBase58());
  // Keyed by address: moving to another asset starts its panels (and their transactions) afresh.
  return (
    <div className="page" key={assetKey.toBase58()}>
      <h1>
        <span className="tag">{variant(a.kind)}</span> {a.uri}
      </h1>
      <p className="muted">
        Asset <Address value={assetKey} full /> · <span data-testid="asset-state">{variant(a.state)}</span>
      </p>
      <div className="columns">
        <AssetDetails asset={a} mint={mint} />
        <div>
          <AccessPanel assetKey={assetKey} asset={a} mint={mint} onChange={asset.reload} />
          {"dataset" in a.kind ? <DownloadPanel assetKey={assetKey} asset={a} /> : <TryItPanel assetKey={assetKey} />}
          {"model" in a.kind && <OpenJobForm assetKey={assetKey} asset={a} mint={mint} />}
        </div>
      </div>
      {"model" in a.kind && <PayPerCallPanel assetKey={assetKey} asset={a} mint={mint} />}
      <SplitTable asset={a} />
      <Lineage assetKey={assetKey} asset={a} />
    </div>
  );
}
