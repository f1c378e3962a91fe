import { useWallet } from "@solana/wallet-adapter-react";
import { Keypair } from "@solana/web3.js";
import { type FormEvent, useState } from "react";

import { useLocalWalletAdapter } from "../../context/LocalWallet";
import { useSettings } from "../../context/Settings";
import { isLocalEndpoint } from "../../lib/cluster";
import { LOCAL_ONLY_MESSAGE, forgetStoredKeypair, loadStoredKeypair, parseSecretKey, storeKeypair } from "../../lib/localWallet";

/** The "Local keypair" wallet's key: import (JSON byte array), generate, forget. */
export function LocalKeypairSettings() {
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
