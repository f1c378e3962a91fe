import { useSettings } from "../context/Settings";
import { explorerTxUrl } from "../lib/cluster";
import type { TxState } from "../hooks/useTx";

/** A transaction's pending state, then its signature with an explorer link, or its error. */
export function TxStatus({ state }: { state: TxState }) {
  const { endpoint } = useSettings();
  if (state.status === "idle") return null;
  const link = (signature: string) => (
    <a data-testid="tx-signature" href={explorerTxUrl(signature, endpoint)} target="_blank" rel="noreferrer">
      {signature}
    </a>
  );
  switch (state.status) {
    case "pending":
      return (
        <div className="tx tx-pending" data-testid="tx-status" data-state="pending" role="status">
          <span className="spinner" /> {state.label}:{" "}
          {state.signature ? <>sent, waiting for confirmation — {link(state.signature)}</> : "waiting for the wallet…"}
        </div>
      );
    case "success":
      return (
        <div className="tx tx-success" data-testid="tx-status" data-state="success" role="status">
          ✓ {state.label}: confirmed — {link(state.signature)}
        </div>
      );
    case "error":
      return (
        <div className="tx tx-error" data-testid="tx-status" data-state="error" role="alert">
          ✗ {state.label} failed: <strong data-testid="tx-error-name">{state.error.name}</strong>
          {state.error.program && (
            <span className="muted">
              {" "}
              ({state.error.program}
              {state.error.code !== undefined ? ` error ${state.error.code}` : ""})
            </span>
          )}
          {" — "}
          <span data-testid="tx-error-message">{state.error.message}</span>
          {state.signature && <div>Transaction: {link(state.signature)}</div>}
          {state.error.logs.length > 0 && (
            <details>
              <summary>Program logs</summary>
              <pre>{state.error.logs.join("\n")}</pre>
            </details>
          )}
        </div>
      );
  }
}
