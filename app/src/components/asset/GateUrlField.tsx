import { useState } from "react";

import { loadGateUrl, normalizeGateUrl, saveGateUrl } from "../../lib/gate";

/**
 * The asset's gate URL, a per-asset setting kept in this browser (the asset's on-chain URI names
 * no gate; see lib/gate.ts). Returns the normalized URL (null if it is not an http(s) URL) and
 * the field.
 */
export function useGateUrl(asset: string, testId: string) {
  const [text, setText] = useState(() => loadGateUrl(asset));
  const gate = normalizeGateUrl(text);
  const field = (
    <label>
      The asset's access gate (<code>tessera serve</code>; kept in this browser)
      <input
        data-testid={testId}
        placeholder="https://data.example.org"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const g = normalizeGateUrl(e.target.value);
          if (g) saveGateUrl(asset, g);
        }}
      />
      {text && !gate && <span className="error">The gate URL must be an http(s) URL</span>}
    </label>
  );
  return { gate, field };
}
