import { useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import { encodeVoucherHeader, signVoucher } from "@tessera/sdk";
import { type FormEvent, useState } from "react";

import { Problems } from "../ConfirmedAction";
import { useSettings } from "../../context/Settings";
import type { MintInfo } from "../../lib/accounts";
import { gateUrlKey } from "../../lib/gate";
import { formatUnits } from "../../lib/amounts";
import {
  type CallOutcome,
  type PaymentRequirements,
  fetchGateChannel,
  fetchRequirements,
  normalizeGateUrl,
  payAndCall,
  priceProblem,
  termsProblem,
} from "../../lib/payPerCall";
import type { ChannelEntry } from "./PayPerCallPanel";

/** What the gate told the page about the channels (its accepted totals), for the table. */
export interface GateView {
  accepted: Map<string, bigint>;
  /** Bumped after every call, so the table reads the vouchers kept in storage again. */
  signedTick: number;
}

// The gate URL is kept per asset, under the key the Download and Try it panels use too.
const gateKey = gateUrlKey;

/**
 * Calls the model through its metered gate, each call paid by a voucher for the channel's
 * cumulative amount signed by the wallet's signMessage (see lib/payPerCall.ts).
 *
 * Never signs at a price the user has not seen: Call reads the gate's terms again, and when none
 * were shown for this gate (or they changed since) it shows them and signs nothing — the user
 * clicks Call again. A price of 0 or less, or terms whose asset, payee or mint are not the chosen
 * channel's, are refused.
 */
export function CallBox({
  assetKey,
  mint,
  channels,
  onGateView,
  onCalled,
}: {
  assetKey: PublicKey;
  mint: MintInfo | undefined;
  channels: ChannelEntry[];
  onGateView: (v: GateView) => void;
  onCalled: () => void;
}) {
  const { publicKey, signMessage } = useWallet();
  const { endpoint } = useSettings();
  const model = assetKey.toBase58();
  const [gateText, setGateText] = useState(() => localStorage.getItem(gateKey(model)) ?? "");
  /** The gate's terms as shown on the page, and the gate they were read from. */
  const [shownTerms, setShownTerms] = useState<{ gate: string; terms: PaymentRequirements } | null>(null);
  const [termsError, setTermsError] = useState<string | null>(null);
  const [channelChoice, setChannelChoice] = useState("");
  const [body, setBody] = useState("");
  const [timeout, setTimeoutText] = useState("10");
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<CallOutcome | null>(null);
  const [callError, setCallError] = useState<string | null>(null);
  const [termsNotice, setTermsNotice] = useState<string | null>(null);
  const [accepted] = useState(() => new Map<string, bigint>());

  const gate = normalizeGateUrl(gateText);
  const channel = channels.find((c) => c.address.toBase58() === channelChoice) ?? channels[0] ?? null;
  const timeoutSecs = Number(timeout);
  const fmt = (v: bigint | number) => (mint ? formatUnits(BigInt(v), mint.decimals) : String(v));
  // Terms read from another gate URL than the one typed now are not this gate's.
  const terms = shownTerms && shownTerms.gate === gate ? shownTerms.terms : null;
  const channelTerms = (c: ChannelEntry) => ({
    model,
    payee: c.channel.payee.toBase58(),
    mint: c.channel.mint.toBase58(),
  });
  // The price per call in the mint's units as the page computes it (not the gate's text).
  const uiPrice = (t: PaymentRequirements) =>
    mint && priceProblem(t.pricePerCall) === null ? fmt(t.pricePerCall) : t.pricePerCallUi;
  const termsMismatch = terms && channel ? termsProblem(terms, channelTerms(channel)) : null;

  const publish = (channelKey: string, value: bigint) => {
    accepted.set(channelKey, value);
    onGateView({ accepted: new Map(accepted), signedTick: Date.now() });
  };

  const loadTerms = async (): Promise<PaymentRequirements | null> => {
    if (!gate) return null;
    localStorage.setItem(gateKey(model), gate);
    setTermsError(null);
    try {
      const t = await fetchRequirements(gate, model);
      setShownTerms({ gate, terms: t });
      if (channel) {
        const state = await fetchGateChannel(gate, model, channel.address.toBase58()).catch(() => null);
        if (state) publish(channel.address.toBase58(), BigInt(state.accepted));
      }
      return t;
    } catch (e) {
      setShownTerms(null);
      setTermsError(e instanceof Error ? e.message : String(e));
      return null;
    }
  };

  const call = async (e: FormEvent) => {
    e.preventDefault();
    if (!gate || !channel || !publicKey) return;
    setBusy(true);
    setOutcome(null);
    setCallError(null);
    setTermsNotice(null);
    try {
      if (!signMessage) throw new Error("This wallet cannot sign messages (signMessage): vouchers need it");
      // The terms as the gate states them now: they must be the ones shown, or nothing is signed.
      const shown = terms;
      let current: PaymentRequirements | null = null;
      try {
        current = await fetchRequirements(gate, model, Math.max(1, timeoutSecs) * 1000);
      } catch (err) {
        if (!shown) throw new Error(`The gate's payment terms could not be read: ${err instanceof Error ? err.message : String(err)}`);
        // The gate cannot be asked now: the terms shown stand (the call itself may fail).
      }
      if (current && (!shown || !sameTerms(shown, current))) {
        const was = shown ? `, was ${uiPrice(shown)} (${shown.pricePerCall} base units) to ${shown.payee}` : "";
        setShownTerms({ gate, terms: current });
        setTermsError(null);
        setTermsNotice(
          `${shown ? "The gate's terms changed since they were shown" : "The gate's terms are shown above"}: ` +
            `${uiPrice(current)} per call (${current.pricePerCall} base units) to ${current.payee}${was}. ` +
            "Nothing was signed: check them and click Call again to pay.",
        );
        return;
      }
      const t = shown;
      if (!t) throw new Error("The gate's payment terms could not be read");
      const mismatch = termsProblem(t, channelTerms(channel));
      if (mismatch) throw new Error(`Nothing was signed: ${mismatch}`);
      const channelKey = channel.address;
      const result = await payAndCall({
        gate,
        model,
        channel: channelKey.toBase58(),
        endpoint,
        deposit: channel.channel.deposit,
        settled: channel.channel.settled,
        price: BigInt(t.pricePerCall),
        body,
        timeoutMs: Math.max(1, timeoutSecs) * 1000,
        maxAttempts: 5,
        sign: async (cumulative) =>
          encodeVoucherHeader(await signVoucher(signMessage, { signer: publicKey, channel: channelKey, cumulative })),
        onAttempt: (n, v) =>
          setProgress(`attempt ${n} with the voucher for ${fmt(BigInt(v.cumulative))} (${v.cumulative} base units)…`),
      });
      setOutcome(result);
      if (result.kind === "answer" && result.accepted !== null) publish(channelKey.toBase58(), result.accepted);
      else {
        const state = await fetchGateChannel(gate, model, channelKey.toBase58()).catch(() => null);
        if (state) publish(channelKey.toBase58(), BigInt(state.accepted));
      }
      onCalled();
    } catch (err) {
      setCallError(err instanceof Error ? err.message : String(err));
    } finally {
      setProgress(null);
      setBusy(false);
    }
  };

  const problems: string[] = [];
  if (!gate) problems.push("The gate URL must be an http(s) URL");
  if (!channel) problems.push("Open a channel first (an open one, no close requested)");
  if (!(timeoutSecs >= 1)) problems.push("The timeout must be at least 1 s");

  return (
    <div data-testid="call-box">
      <h3>Call the model</h3>
      <form className="form" onSubmit={call}>
        <label>
          The model's metered gate (kept in this browser)
          <div className="row">
            <input
              data-testid="gate-url"
              placeholder="https://infer.example.org"
              value={gateText}
              onChange={(e) => setGateText(e.target.value)}
              onBlur={() => void loadTerms()}
            />
            <button type="button" data-testid="gate-terms-button" disabled={!gate} onClick={() => void loadTerms()}>
              Read its terms
            </button>
          </div>
        </label>
        {termsError && (
          <p className="error" data-testid="gate-terms-error">
            {termsError}
          </p>
        )}
        {terms && (
          <p className="muted" data-testid="gate-terms" data-price={String(terms.pricePerCall)} data-payee={terms.payee}>
            {uiPrice(terms)} per call ({terms.pricePerCall} base units) to <code>{terms.payee}</code>; channels of at
            least {terms.minDepositUi}, close grace at least {terms.minCloseGraceSecs} s.
          </p>
        )}
        {termsMismatch && (
          <p className="error" data-testid="gate-terms-problem">
            {termsMismatch}
          </p>
        )}
        <label>
          Channel
          <select data-testid="call-channel" value={channel?.address.toBase58() ?? ""} onChange={(e) => setChannelChoice(e.target.value)}>
            {channels.map((c) => (
              <option key={c.address.toBase58()} value={c.address.toBase58()}>
                #{c.channel.channelId.toString()} {c.address.toBase58()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Request body
          <textarea data-testid="call-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
        <label>
          Timeout per attempt (seconds; a timed-out call is sent again with the same voucher)
          <input data-testid="call-timeout" value={timeout} inputMode="numeric" onChange={(e) => setTimeoutText(e.target.value)} />
        </label>
        {gateText && <Problems problems={problems} />}
        <button type="submit" data-testid="call-button" disabled={busy || problems.length > 0 || !publicKey}>
          Call (pay with a voucher)
        </button>
      </form>
      {progress && (
        <div className="tx tx-pending" data-testid="call-progress" role="status">
          <span className="spinner" /> {progress}
        </div>
      )}
      {termsNotice && (
        <div className="tx tx-pending" data-testid="call-result" data-kind="terms" role="status">
          {termsNotice}
        </div>
      )}
      {callError && (
        <div className="tx tx-error" data-testid="call-result" data-kind="error" role="alert">
          ✗ {callError}
        </div>
      )}
      {outcome && <CallResult outcome={outcome} fmt={fmt} />}
    </div>
  );
}

function CallResult({ outcome, fmt }: { outcome: CallOutcome; fmt: (v: bigint | number) => string }) {
  const v = outcome.voucher;
  const voucherLine = (
    <div className="muted">
      Voucher: <span data-testid="call-voucher-cumulative">{v.cumulative}</span> base units cumulative ({fmt(BigInt(v.cumulative))}),
      attempts: <span data-testid="call-attempts">{outcome.attempts}</span>
    </div>
  );
  switch (outcome.kind) {
    case "answer":
      return (
        <div
          className="tx tx-success"
          data-testid="call-result"
          data-kind="answer"
          data-cumulative={v.cumulative}
          data-accepted={outcome.accepted?.toString() ?? ""}
          data-retry={String(outcome.retry)}
          data-reused={String(outcome.reused)}
          role="status"
        >
          ✓ HTTP {outcome.status}
          {outcome.retry ? " (the answer to the same voucher, not charged again)" : ""}
          {outcome.reused ? " (the voucher of an unanswered call, sent again)" : ""}
          <pre data-testid="call-answer">{outcome.body}</pre>
          {outcome.accepted !== null && (
            <div>
              The gate accepted <span data-testid="call-accepted">{fmt(outcome.accepted)}</span> in total on this channel
              {outcome.remaining !== null && <>; {fmt(outcome.remaining)} left of the deposit</>}.
            </div>
          )}
          {voucherLine}
        </div>
      );
    case "payment_required":
      return (
        <div className="tx tx-error" data-testid="call-result" data-kind="payment_required" data-reason={outcome.reason} role="alert">
          ✗ HTTP 402 <strong data-testid="call-reason">{outcome.reason}</strong> — {outcome.message}
          {outcome.payment && (
            <details open>
              <summary>Payment requirements</summary>
              <pre data-testid="call-payment">{JSON.stringify(outcome.payment, null, 2)}</pre>
            </details>
          )}
          {voucherLine}
        </div>
      );
    case "refused":
      return (
        <div className="tx tx-error" data-testid="call-result" data-kind="refused" data-reason={outcome.reason} role="alert">
          ✗ {outcome.status ? `HTTP ${outcome.status} ` : ""}
          <strong data-testid="call-reason">{outcome.reason}</strong> — {outcome.message}
          {voucherLine}
        </div>
      );
    case "failed":
      return (
        <div className="tx tx-error" data-testid="call-result" data-kind="failed" role="alert">
          ✗ {outcome.message}
          {voucherLine}
        </div>
      );
  }
}

/** The terms a voucher depends on are the same (price, payee, asset, mint). */
function sameTerms(a: PaymentRequirements, b: PaymentRequirements): boolean {
  return a.pricePerCall === b.pricePerCall && a.payee === b.payee && a.asset === b.asset && a.mint === b.mint;
}
