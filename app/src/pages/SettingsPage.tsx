import { useWallet } from "@solana/wallet-adapter-react";
import { Keypair } from "@solana/web3.js";
import { type FormEvent, useState } from "react";

import { useLocalWalletAdapter } from "../context/LocalWallet";
import { useSettings } from "../context/Settings";
import { type ClusterKind, DEVNET_URL, LOCALNET_URL, endpointUrl, isLocalEndpoint, validateRpcUrl } from "../lib/cluster";
import { LOCAL_ONLY_MESSAGE, forgetStoredKeypair, loadStoredKeypair, parseSecretKey, storeKeypair } from "../lib/localWallet";

export function SettingsPage() {
  return (
    <div className="page">
      <h1>Settings</h1>
      <EndpointSettings />
      <LocalKeypairSettings />
    </div>
  );
}

function EndpointSettings() {
  const { setting, endpoint, setSetting } = useSettings();
  const [kind, setKind] = useState<ClusterKind>(setting.kind);
  const [customUrl, setCustomUrl] = useState(setting.customUrl);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = (e: FormEvent) => {
    e.preventDefault();
    const next = { kind, customUrl: customUrl.trim() };
    const problem = validateRpcUrl(endpointUrl(next));
    setError(problem);
    if (problem) return;
    setSetting(next);
    setSaved(true);
  };

  return (
    <section className="card">
      <h2>RPC endpoint</h2>
      <form onSubmit={save} className="form">
        <label>
          Cluster
          <select
            data-testid="endpoint-kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as ClusterKind);
              setSaved(false);
            }}
          >
            <option value="localnet">Localnet ({LOCALNET_URL})</option>
            <option value="devnet">Devnet ({DEVNET_URL})</option>
            <option value="custom">Custom URL</option>
          </select>
        </label>
        {kind === "custom" && (
          <label>
            RPC URL
            <input
              data-testid="endpoint-url"
              value={customUrl}
              placeholder="http://127.0.0.1:8899 or https://…"
              onChange={(e) => {
                setCustomUrl(e.target.value);
                setSaved(false);
              }}
            />
          </label>
        )}
        <button type="submit" data-testid="endpoint-save">
          Use this endpoint
        </button>
        {error && <p className="error">{error}</p>}
        {saved && !error && <p className="ok">Now using {endpoint}</p>}
      </form>
      <p className="muted">
        In use: <code data-testid="endpoint-in-use">{endpoint}</code>
      </p>
    </section>
  );
}

function LocalKeypairSettings() {
  const adapter = useLocalWalletAdapter();
  const { isLocal } = useSettings();
  const { wallet } = useWallet();
  const [stored, setStored] = useState(() => loadStoredKeypair()?.publicKey.toBase58() ?? null);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | null>(null);

  const install = (kp: Keypair) => {
    storeKeypair(kp);
    setStored(kp.publicKey.toBase58());
    setSecret("");
    setError(null);
    if (wallet?.adapter === adapter) adapter.reload();
  };

  const importKey = (e: FormEvent) => {
    e.preventDefault();
    try {
      install(parseSecretKey(secret));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="card">
      <h2>Local keypair wallet (development only)</h2>
      <p className="muted">
        For a local validator and tests: a secret key kept in this browser's storage, offered as the "Local keypair"
        wallet. It refuses to connect or sign unless the endpoint is localhost / 127.0.0.1.
      </p>
      {!isLocal && <p className="warning">{LOCAL_ONLY_MESSAGE}</p>}
      <p>
        Stored key: <code data-testid="local-pubkey">{stored ?? "none"}</code>
      </p>
      <form onSubmit={importKey} className="form">
        <label>
          Import a secret key (a Solana CLI keypair file: JSON array of 64 bytes)
          <textarea
            data-testid="secret-key-input"
            rows={3}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            placeholder="[12,34,…]"
          />
        </label>
        <div className="row">
          <button type="submit" data-testid="import-key" disabled={!secret.trim()}>
            Import
          </button>
          <button type="button" onClick={() => install(Keypair.generate())}>
            Generate a new key
          </button>
          <button
            type="button"
            disabled={!stored}
            onClick={() => {
              forgetStoredKeypair();
              setStored(null);
              void adapter.disconnect();
            }}
          >
            Forget the key
          </button>
        </div>
        {error && (
          <p className="error" data-testid="import-error">
            {error}
          </p>
        )}
      </form>
      {stored && !isLocalEndpoint(window.location.href) && (
        <p className="muted">This page is not served from this machine: keep real funds away from this key.</p>
      )}
    </section>
  );
}
