import { type FormEvent, useState } from "react";

import { useSettings } from "../../context/Settings";
import { type ClusterKind, DEVNET_URL, LOCALNET_URL, endpointUrl, validateRpcUrl } from "../../lib/cluster";

/** The RPC endpoint: localnet, devnet or a custom URL. */
export function EndpointSettings() {
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
