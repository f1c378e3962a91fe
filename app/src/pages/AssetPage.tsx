import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import { useState } from "react";
import { useParams } from "react-router-dom";

import { Address, AssetLink } from "../components/Address";
import { TokenAmount } from "../components/TokenAmount";
import { TxStatus } from "../components/TxStatus";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import {
  type Asset,
  type MintInfo,
  fetchAsset,
  fetchAssets,
  fetchPass,
  fetchSplit,
  tokenBalance,
  variant,
} from "../lib/accounts";
import { big, formatBps, formatDuration, formatInt, formatTime, formatUnits, tryParseUnits } from "../lib/amounts";
import { toHex } from "../lib/hash";
import { ataOf, buyInstructions, redeemInstructions } from "../lib/instructions";
import { licenseNames } from "../lib/license";

function parseAddress(s: string | undefined): PublicKey | null {
  try {
    return s ? new PublicKey(s) : null;
  } catch {
    return null;
  }
}

export function AssetPage() {
  const { address } = useParams();
  const assetKey = parseAddress(address);
  const programs = usePrograms();
  const asset = useAsync(async () => (assetKey ? fetchAsset(programs, assetKey) : null), [programs, address]);
  const mints = useMints(asset.data ? [asset.data.paymentMint] : []);

  if (!assetKey) return <div className="page error">Not an address: {address}</div>;
  if (asset.loading && !asset.data) return <div className="page">Loading…</div>;
  if (asset.error) return <div className="page error">Could not load the asset: {asset.error.message}</div>;
  if (!asset.data) return <div className="page error">No Tessera asset at {assetKey.toBase58()} on this cluster.</div>;

  const a = asset.data;
  const mint = mints.get(a.paymentMint.toBase58());
  return (
    <div className="page">
      <h1>
        <span className="tag">{variant(a.kind)}</span> {a.uri}
      </h1>
      <p className="muted">
        Asset <Address value={assetKey} full /> · <span data-testid="asset-state">{variant(a.state)}</span>
      </p>
      <div className="columns">
        <Details asset={a} mint={mint} />
        <div>
          <YourAccess assetKey={assetKey} asset={a} mint={mint} onChange={asset.reload} />
        </div>
      </div>
      <SplitSection asset={a} />
      <Lineage assetKey={assetKey} asset={a} />
    </div>
  );
}

function Details({ asset: a, mint }: { asset: Asset; mint: MintInfo | undefined }) {
  const max = big(a.maxSupply);
  const sold = big(a.sold);
  const flags = licenseNames(a.license.flags);
  return (
    <section className="card">
      <h2>Details</h2>
      <dl className="details">
        <dt>Publisher</dt>
        <dd>
          <Address value={a.publisher} full />
        </dd>
        <dt>Metadata URI</dt>
        <dd data-testid="asset-uri">{a.uri}</dd>
        <dt>Content hash (SHA-256)</dt>
        <dd>
          <code data-testid="content-hash">{toHex(a.contentHash)}</code>
        </dd>
        <dt>Price</dt>
        <dd>
          <TokenAmount amount={big(a.price)} mint={a.paymentMint} info={mint} testId="asset-price" /> per access token
        </dd>
        <dt>Payment mint</dt>
        <dd>
          <Address value={a.paymentMint} full /> {mint && <span className="muted">({mint.decimals} decimals)</span>}
        </dd>
        <dt>Supply left</dt>
        <dd data-testid="supply-left">{max === 0n ? "unlimited" : `${formatInt(max - sold)} of ${formatInt(max)}`}</dd>
        <dt>Sold</dt>
        <dd>
          {formatInt(sold)} access token{sold === 1n ? "" : "s"} in {formatInt(big(a.sales))} sale{big(a.sales) === 1n ? "" : "s"}
        </dd>
        <dt>Access per token</dt>
        <dd data-testid="access-duration">{formatDuration(big(a.accessDuration))}</dd>
        <dt>License</dt>
        <dd data-testid="license">{flags.length ? flags.join(", ") : "no rights granted beyond access"}</dd>
        <dt>License terms hash</dt>
        <dd>
          <code>{toHex(a.license.termsHash)}</code>
        </dd>
        {"model" in a.kind && (
          <>
            <dt>Inference royalty</dt>
            <dd>
              {formatBps(a.inferenceRoyaltyBps)} of each paid inference{a.inferenceGated ? " · inference requires a pass" : ""}
            </dd>
          </>
        )}
        <dt>Access-token mint</dt>
        <dd>
          <Address value={a.accessMint} />
        </dd>
        <dt>Published</dt>
        <dd>{formatTime(big(a.publishedAt))}</dd>
      </dl>
    </section>
  );
}

function YourAccess({
  assetKey,
  asset,
  mint,
  onChange,
}: {
  assetKey: PublicKey;
  asset: Asset;
  mint: MintInfo | undefined;
  onChange: () => void;
}) {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const tx = useTx();
  const [quantity, setQuantity] = useState("1");
  const [maxPrice, setMaxPrice] = useState<string | null>(null);
  const [redeemQuantity, setRedeemQuantity] = useState("1");

  const holding = useAsync(async () => {
    if (!publicKey) return null;
    const [pass, accessBalance, paymentBalance] = await Promise.all([
      fetchPass(programs, assetKey, publicKey),
      tokenBalance(connection, ataOf(asset.accessMint, publicKey)),
      mint ? tokenBalance(connection, ataOf(asset.paymentMint, publicKey, mint.tokenProgram)) : Promise.resolve(null),
    ]);
    return { pass, accessBalance, paymentBalance };
  }, [programs, connection, publicKey, assetKey, asset, mint]);

  const decimals = mint?.decimals ?? 0;
  const price = big(asset.price);
  const maxPriceText = maxPrice ?? (mint ? formatUnits(price, decimals) : "");
  const qty = /^\d+$/.test(quantity.trim()) ? BigInt(quantity.trim()) : null;
  const maxUnit = mint ? tryParseUnits(maxPriceText, decimals) : null;
  const redeemQty = /^\d+$/.test(redeemQuantity.trim()) ? BigInt(redeemQuantity.trim()) : null;

  const buy = async () => {
    if (!publicKey || qty === null || maxUnit === null) return;
    const sig = await tx.run(`Buy ${qty} access token${qty === 1n ? "" : "s"}`, () =>
      buyInstructions(programs, connection, publicKey, assetKey, asset, qty, maxUnit),
    );
    if (sig) onChange();
    holding.reload();
  };
  const redeem = async () => {
    if (!publicKey || redeemQty === null) return;
    const sig = await tx.run(`Redeem ${redeemQty} access token${redeemQty === 1n ? "" : "s"}`, () =>
      redeemInstructions(programs, publicKey, assetKey, asset, redeemQty),
    );
    if (sig) onChange();
    holding.reload();
  };

  const pass = holding.data?.pass;
  const now = Math.floor(Date.now() / 1000);
  let passText = "no pass";
  if (pass) {
    if (pass.revoked) passText = `revoked (reason ${pass.revokeReason})`;
    else if (pass.perpetual) passText = "valid, perpetual";
    else if (big(pass.expiresAt) > BigInt(now)) passText = `valid until ${formatTime(big(pass.expiresAt))}`;
    else passText = `expired on ${formatTime(big(pass.expiresAt))}`;
  }

  return (
    <section className="card">
      <h2>Your access</h2>
      {!publicKey ? (
        <p className="muted">Connect a wallet to see your pass and to buy access.</p>
      ) : (
        <dl className="details">
          <dt>Pass</dt>
          <dd data-testid="pass-status">{holding.data ? passText : "…"}</dd>
          {pass && !pass.perpetual && (
            <>
              <dt>Expiry</dt>
              <dd data-testid="pass-expiry" data-unix={big(pass.expiresAt).toString()}>
                {formatTime(big(pass.expiresAt))}
              </dd>
            </>
          )}
          <dt>Access tokens held</dt>
          <dd data-testid="access-balance">{holding.data ? holding.data.accessBalance.toString() : "…"}</dd>
          {pass && (
            <>
              <dt>Bought / redeemed</dt>
              <dd>
                {big(pass.purchased).toString()} / {big(pass.redeemed).toString()}
              </dd>
            </>
          )}
          <dt>Your balance</dt>
          <dd>
            {holding.data?.paymentBalance != null ? (
              <TokenAmount amount={holding.data.paymentBalance} mint={asset.paymentMint} info={mint} testId="payment-balance" />
            ) : (
              "…"
            )}
          </dd>
        </dl>
      )}

      <h3>Buy access</h3>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void buy();
        }}
      >
        <label>
          Quantity
          <input data-testid="buy-quantity" value={quantity} inputMode="numeric" onChange={(e) => setQuantity(e.target.value)} />
        </label>
        <label>
          Max unit price (price guard)
          <input data-testid="buy-max-price" value={maxPriceText} inputMode="decimal" onChange={(e) => setMaxPrice(e.target.value)} />
        </label>
        {qty !== null && qty > 0n && mint && (
          <p className="muted">
            Total: <span data-testid="buy-total">{formatUnits(price * qty, decimals)}</span> (at the current price)
            {" · "}access {formatDuration(big(asset.accessDuration) * qty)}
          </p>
        )}
        {qty === null && <p className="error">The quantity must be a whole number</p>}
        {mint && maxUnit === null && <p className="error">The max unit price must be a number with at most {decimals} decimals</p>}
        <button type="submit" data-testid="buy-button" disabled={!publicKey || !qty || maxUnit === null || tx.busy}>
          Buy
        </button>
      </form>

      {pass && (
        <>
          <h3>Redeem</h3>
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void redeem();
            }}
          >
            <label>
              Access tokens to redeem (burn)
              <input data-testid="redeem-quantity" value={redeemQuantity} inputMode="numeric" onChange={(e) => setRedeemQuantity(e.target.value)} />
            </label>
            <button type="submit" data-testid="redeem-button" disabled={!redeemQty || tx.busy}>
              Redeem
            </button>
          </form>
        </>
      )}
      <TxStatus state={tx.state} />
    </section>
  );
}

function SplitSection({ asset }: { asset: Asset }) {
  const programs = usePrograms();
  const split = useAsync(() => fetchSplit(programs, asset.split), [programs, asset.split.toBase58()]);
  return (
    <section className="card">
      <h2>Royalty split</h2>
      <p className="muted">
        Every sale pays the protocol fee, then the parents' shares, then this split. Split <Address value={asset.split} />
      </p>
      {split.data && (
        <table className="table" data-testid="split-table">
          <thead>
            <tr>
              <th>Recipient</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            {split.data.entries
              .filter((e) => e.bps > 0)
              .map((e) => (
                <tr key={e.address.toBase58()} data-testid="split-row" data-address={e.address.toBase58()}>
                  <td>
                    <Address value={e.address} full />
                  </td>
                  <td>
                    {formatInt(e.bps)} bps ({formatBps(e.bps)})
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Lineage({ assetKey, asset }: { assetKey: PublicKey; asset: Asset }) {
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
          Previous version: {asset.previousVersion ? <AssetLink asset={asset.previousVersion} /> : <span className="muted">none</span>}
        </li>
        <li>
          Superseded by: {asset.successor ? <AssetLink asset={asset.successor} /> : <span className="muted">none (latest)</span>}
        </li>
      </ul>
    </section>
  );
}
