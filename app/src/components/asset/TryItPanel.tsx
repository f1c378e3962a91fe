import { useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";
import type { GateSession } from "@tessera/sdk";
import { type FormEvent, useState } from "react";

import { type InferOutcome, inferWithPass } from "../../lib/gate";
import { useGateUrl } from "./GateUrlField";

/**
 * "Try it": a request sent to the model's access gate (`POST …/infer`, `tessera serve --upstream`)
 * with the pass — a challenge signed with the wallet's signMessage, then the session the answer
 * carries for the next calls. (A metered gate is paid per call from the Pay per call panel.)
 */
export function TryItPanel({ assetKey }: { assetKey: PublicKey }) {
  const { publicKey, signMessage } = useWallet();
  const { gate, field } = useGateUrl(assetKey.toBase58(), "try-gate-url");
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [session, setSession] = useState<GateSession | null>(null);
  const [outcome, setOutcome] = useState<InferOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!gate || !publicKey) return;
    setBusy(true);
    setOutcome(null);
    setError(null);
    try {
      if (!signMessage) throw new Error("This wallet cannot sign messages (signMessage): the gate's challenge needs it");
      const r = await inferWithPass({ gate, model: assetKey, holder: publicKey, signMessage, body, session });
      setSession(r.session);
      setOutcome(r.outcome);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="try-it">
      <h2>Try it</h2>
      <form className="form" onSubmit={send}>
        {field}
        <label>
          Request body
          <textarea data-testid="try-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
        <button type="submit" data-testid="try-button" disabled={busy || !gate || !publicKey}>
          {busy ? "Sending…" : "Send with my pass"}
        </button>
        {!publicKey && <p className="muted">Connect the wallet that holds the pass.</p>}
      </form>
      {error && (
        <div className="tx tx-error" data-testid="try-result" data-kind="error" role="alert">
          ✗ {error}
        </div>
      )}
      {outcome?.kind === "answer" && (
        <div className="tx tx-success" data-testid="try-result" data-kind="answer" data-session={String(outcome.usedSession)} role="status">
          ✓ HTTP {outcome.status}
          {outcome.usedSession ? " (sent with the session token)" : " (sent with a signed challenge)"}
          <pre data-testid="try-answer">{outcome.body}</pre>
        </div>
      )}
      {outcome?.kind === "refused" && (
        <div className="tx tx-error" data-testid="try-result" data-kind="refused" data-code={outcome.refusal.code ?? ""} role="alert">
          ✗ HTTP {outcome.refusal.status} <strong data-testid="try-code">{outcome.refusal.code ?? "refused"}</strong>
          {outcome.refusal.reason && <> ({outcome.refusal.reason})</>} — {outcome.refusal.detail}
        </div>
      )}
    </section>
  );
}
