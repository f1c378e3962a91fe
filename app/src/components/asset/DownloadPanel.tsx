import { useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";
import { useEffect, useRef, useState } from "react";

import type { Asset } from "../../lib/accounts";
import {
  type DownloadProgress,
  type DownloadResult,
  type Sink,
  GateRefusal,
  blobSink,
  canPickFile,
  downloadFromGate,
  pickFileSink,
} from "../../lib/gate";
import { toHex } from "../../lib/hash";
import { useGateUrl } from "./GateUrlField";

type SinkChoice = "file" | "blob";

/** The file name offered: the URI's last path segment, else the asset's address. */
function fileNameOf(asset: Asset, assetKey: PublicKey): string {
  const last = asset.uri.split(/[/?#]/).filter(Boolean).pop() ?? "";
  return /^[\w.-]{1,100}$/.test(last) ? last : `${assetKey.toBase58()}.bin`;
}

const percent = (p: DownloadProgress) => (p.total ? Math.floor((p.received * 100) / Math.max(1, p.total)) : null);

/**
 * Download a dataset from its access gate with the connected wallet (lib/gate.ts): a challenge
 * signed with signMessage, the file streamed to a file the buyer picks (File System Access API)
 * or to the browser's downloads (a Blob), resumed with Range after an interruption (with the
 * delivery's session token), SHA-256 computed while streaming and compared with the on-chain
 * content hash.
 */
export function DownloadPanel({ assetKey, asset }: { assetKey: PublicKey; asset: Asset }) {
  const { publicKey, signMessage } = useWallet();
  const { gate, field } = useGateUrl(assetKey.toBase58(), "download-gate-url");
  const [sinkChoice, setSinkChoice] = useState<SinkChoice>(() => (canPickFile() ? "file" : "blob"));
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const [result, setResult] = useState<DownloadResult | null>(null);
  const [error, setError] = useState<{ text: string; code: string | null; reason: string | null } | null>(null);
  const latest = useRef<DownloadProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  // Progress is rendered at most every 100 ms, whatever the chunk rate.
  useEffect(() => {
    if (!busy) return;
    const id = setInterval(() => latest.current && setProgress(latest.current), 100);
    return () => clearInterval(id);
  }, [busy]);

  const download = async () => {
    if (!gate || !publicKey) return;
    setResult(null);
    setError(null);
    setProgress(null);
    latest.current = null;
    let sink: Sink | null = null;
    try {
      if (!signMessage) throw new Error("This wallet cannot sign messages (signMessage): the gate's challenge needs it");
      const name = fileNameOf(asset, assetKey);
      sink = sinkChoice === "file" ? await pickFileSink(name) : blobSink();
      setBusy(true);
      abort.current = new AbortController();
      const r = await downloadFromGate({
        gate,
        asset: assetKey,
        holder: publicKey,
        signMessage,
        sink,
        expectedHash: asset.contentHash,
        onProgress: (p) => {
          latest.current = p;
        },
        signal: abort.current.signal,
      });
      setProgress(r);
      setResult(r);
      // Only a file whose hash matches is kept (as `tessera download` does).
      if (r.matches) await sink.commit(name);
      else await sink.discard();
    } catch (e) {
      await sink?.discard();
      if (latest.current) setProgress(latest.current);
      if (e instanceof GateRefusal) setError({ text: e.detail, code: e.code, reason: e.reason });
      else if (e instanceof DOMException && e.name === "AbortError") setError({ text: "Cancelled", code: null, reason: null });
      else setError({ text: e instanceof Error ? e.message : String(e), code: null, reason: null });
    } finally {
      abort.current = null;
      setBusy(false);
    }
  };

  const pct = progress ? percent(progress) : null;
  return (
    <section className="card" data-testid="download-panel">
      <h2>Download</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void download();
        }}
      >
        {field}
        <label>
          Save to
          <select data-testid="download-sink" value={sinkChoice} onChange={(e) => setSinkChoice(e.target.value as SinkChoice)}>
            <option value="file" disabled={!canPickFile()}>
              a file you choose (streamed to disk{canPickFile() ? "" : "; not supported by this browser"})
            </option>
            <option value="blob">the browser's downloads (held in memory until complete)</option>
          </select>
        </label>
        <div className="row">
          <button type="submit" data-testid="download-button" disabled={!publicKey || !gate || busy}>
            Download
          </button>
          {busy && (
            <button type="button" className="small" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
        {!publicKey && <p className="muted">Connect the wallet that holds the pass.</p>}
      </form>
      {progress && (
        <div data-testid="download-progress" data-received={progress.received} data-total={progress.total ?? ""} role="status">
          <progress aria-label="Download progress" value={progress.received} max={progress.total ?? undefined} style={{ width: "100%" }} />
          <div className="muted">
            {progress.received.toLocaleString()} {progress.total !== null ? `of ${progress.total.toLocaleString()} ` : ""}bytes
            {pct !== null ? ` (${pct}%)` : ""} · {progress.requests} request{progress.requests === 1 ? "" : "s"}
            {progress.usedSession ? " · session" : ""}
          </div>
          {progress.resumedFrom.length > 0 && (
            <div className="muted" data-testid="download-resumed" data-from={progress.resumedFrom.join(",")} data-session={String(progress.usedSession)}>
              Interrupted, resumed with a range request from byte {progress.resumedFrom.map((b) => b.toLocaleString()).join(", then ")}
              {progress.usedSession ? " (with the session token, no new signature)" : ""}.
            </div>
          )}
        </div>
      )}
      {result && (
        <p
          data-testid="download-hash"
          data-matches={String(result.matches)}
          data-sha256={toHex(result.sha256)}
          className={result.matches ? "ok" : "error"}
          role={result.matches ? "status" : "alert"}
        >
          {result.matches ? (
            <>✓ SHA-256 matches the on-chain content hash ({toHex(result.sha256)}); the file was saved.</>
          ) : (
            <>
              ✗ SHA-256 mismatch: the file's is {toHex(result.sha256)}, the on-chain content hash is {toHex(asset.contentHash)}.
              The file was not kept.
            </>
          )}
        </p>
      )}
      {error && (
        <div className="tx tx-error" data-testid="download-error" data-code={error.code ?? ""} role="alert">
          ✗ Download refused
          {error.code && (
            <>
              : <strong data-testid="download-error-code">{error.code}</strong>
              {error.reason && <> ({error.reason})</>}
            </>
          )}{" "}
          — {error.text}
        </div>
      )}
    </section>
  );
}
