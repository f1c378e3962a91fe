import { type FormEvent, useState } from "react";

import { DEFAULT_INDEXER_URL, useSettings } from "../../context/Settings";
import { validateRpcUrl } from "../../lib/cluster";

/** The indexer's URL (`tessera index serve`): the dashboards' history, charts and names. */
export function IndexerSettings() {
  const { indexerUrl, setIndexerUrl } = useSettings();
  const [url, setUrl] = useState(indexerUrl);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = (e: FormEvent) => {
    e.preventDefault();
    const problem = validateRpcUrl(url.trim());
    setError(problem ? problem.replace("RPC URL", "indexer URL") : null);
    if (problem) return;
    setIndexerUrl(url);
    setSaved(true);
  };

  return (
    <section className="card">
      <h2>Indexer</h2>
      <form onSubmit={save} className="form">
        <label>
          Indexer URL (its HTTP API; default {DEFAULT_INDEXER_URL})
          <input
            data-testid="indexer-url"
            value={url}
            placeholder={DEFAULT_INDEXER_URL}
            onChange={(e) => {
              setUrl(e.target.value);
              setSaved(false);
            }}
          />
        </label>
        <button type="submit" data-testid="indexer-save">
          Use this indexer
        </button>
        {error && <p className="error">{error}</p>}
        {saved && !error && <p className="ok">Now using {indexerUrl}</p>}
      </form>
      <p className="muted">
        In use: <code data-testid="indexer-in-use">{indexerUrl}</code>. Start it with{" "}
        <code>tessera index serve --cors-origin {window.location.origin}</code>.
      </p>
    </section>
  );
}
