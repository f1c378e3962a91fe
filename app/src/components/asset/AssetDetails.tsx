import { Address } from "../Address";
import { TokenAmount, mintSymbol } from "../TokenAmount";
import { type Asset, type MintInfo } from "../../lib/accounts";
import { big, formatBps, formatDuration, formatInt, formatTime } from "../../lib/amounts";
import { toHex } from "../../lib/hash";
import { licenseNames } from "../../lib/license";

/** An asset's metadata, license terms, price and supply. */
export function AssetDetails({ asset: a, mint }: { asset: Asset; mint: MintInfo | undefined }) {
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
          {mintSymbol(mint) && <strong data-testid="payment-mint-symbol">{mintSymbol(mint)}</strong>} <Address value={a.paymentMint} full />{" "}
          {mint && <span className="muted">({mint.name ? `${mint.name}, ` : ""}{mint.decimals} decimals)</span>}
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
