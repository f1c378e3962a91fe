import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";
import { useState } from "react";

import { TokenAmount } from "../TokenAmount";
import { TxStatus } from "../TxStatus";
import { useAsync } from "../../hooks/useAsync";
import { usePrograms } from "../../hooks/usePrograms";
import { useTx } from "../../hooks/useTx";
import { type Asset, type MintInfo, fetchPass, tokenBalance, variant } from "../../lib/accounts";
import { big, formatDuration, formatTime, formatUnits, tryParseUnits } from "../../lib/amounts";
import { ataOf, buyInstructions, durationGuard, redeemInstructions } from "../../lib/instructions";

/** The connected wallet's pass and access tokens; buy (with a price guard) and redeem. */
export function AccessPanel({
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
  }, [programs, connection, publicKey, assetKey.toBase58(), asset, mint]);

  const listed = "listed" in asset.state;
  const decimals = mint?.decimals ?? 0;
  const price = big(asset.price);
  const maxPriceText = maxPrice ?? (mint ? formatUnits(price, decimals) : "");
  const qty = /^\d+$/.test(quantity.trim()) ? BigInt(quantity.trim()) : null;
  const maxUnit = mint ? tryParseUnits(maxPriceText, decimals) : null;
  const redeemQty = /^\d+$/.test(redeemQuantity.trim()) ? BigInt(redeemQuantity.trim()) : null;

  const buy = async () => {
    if (!publicKey || qty === null || maxUnit === null) return;
    const sig = await tx.run(`Buy ${qty} access token${qty === 1n ? "" : "s"}`, () =>
      // Guards: the price the buyer allows and the access duration it was shown.
      buyInstructions(connection, publicKey, assetKey, asset, qty, maxUnit, durationGuard(asset)),
    );
    if (sig) onChange();
    holding.reload();
  };
  const redeem = async () => {
    if (!publicKey || redeemQty === null) return;
    const sig = await tx.run(`Redeem ${redeemQty} access token${redeemQty === 1n ? "" : "s"}`, () =>
      redeemInstructions(publicKey, assetKey, redeemQty),
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
        {!listed && <p className="warning">This asset is {variant(asset.state)}: it is not for sale.</p>}
        <button type="submit" data-testid="buy-button" disabled={!publicKey || !listed || !qty || maxUnit === null || tx.busy}>
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
