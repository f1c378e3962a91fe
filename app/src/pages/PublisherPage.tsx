import { useWallet } from "@solana/wallet-adapter-react";

import { AssetManager } from "../components/publisher/AssetManager";
import { useIndexer } from "../components/publisher/indexer";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { fetchAssets } from "../lib/accounts";
import { big } from "../lib/amounts";

/**
 * The publisher dashboard: every asset the wallet published (from the chain), named from its
 * metadata and charted from the indexer, with its holders and the publisher's actions.
 */
export function PublisherPage() {
  const programs = usePrograms();
  const indexer = useIndexer();
  const { publicKey } = useWallet();

  const assets = useAsync(async () => {
    if (!publicKey) return [];
    const found = await fetchAssets(programs, { publisher: publicKey });
    // Newest first.
    return found.sort((a, b) => Number(big(b.account.publishedAt) - big(a.account.publishedAt)));
  }, [programs, publicKey]);
  const indexed = useAsync(async () => {
    if (!publicKey) return new Map();
    const list = await indexer.assetsOf(publicKey.toBase58());
    return new Map(list.map((a) => [a.address, a]));
  }, [indexer, publicKey]);
  const mints = useMints((assets.data ?? []).map((a) => a.account.paymentMint));

  if (!publicKey) {
    return (
      <div className="page">
        <h1>Publisher dashboard</h1>
        <p className="muted">Connect a wallet to see the assets it published.</p>
      </div>
    );
  }
  return (
    <div className="page">
      <h1>Publisher dashboard</h1>
      {indexed.error && (
        <p className="warning" data-testid="indexer-error">
          Names, sales and charts need the indexer: {indexed.error.message}
        </p>
      )}
      {assets.error && <p className="error">Could not load your assets: {assets.error.message}</p>}
      {assets.data && assets.data.length === 0 && <p className="muted">This wallet has not published anything yet.</p>}
      {(assets.data ?? []).map((a) => (
        <AssetManager
          key={a.publicKey.toBase58()}
          asset={a}
          indexed={indexed.data?.get(a.publicKey.toBase58())}
          indexer={indexer}
          mint={mints.get(a.account.paymentMint.toBase58())}
          onChanged={() => {
            assets.reload();
            indexed.reload();
          }}
        />
      ))}
    </div>
  );
}
