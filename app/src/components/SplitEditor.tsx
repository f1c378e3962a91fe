import { PublicKey } from "@solana/web3.js";

import { formatInt } from "../lib/amounts";
import { BpsRows } from "./BpsRows";

export interface ShareRow {
  address: string;
  bps: string;
}

export const MAX_RECIPIENTS = 16;
export const TOTAL_BPS = 10_000;

/** The problems of a recipient list (empty when it can be sent), and the running total. */
export function checkSplit(rows: ShareRow[]): { total: number; problems: string[] } {
  const problems: string[] = [];
  let total = 0;
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const n = i + 1;
    let key: string | null = null;
    try {
      key = new PublicKey(r.address.trim()).toBase58();
    } catch {
      problems.push(`Recipient ${n}: not an address`);
    }
    if (key) {
      if (seen.has(key)) problems.push(`Recipient ${n}: appears twice`);
      seen.add(key);
    }
    const bps = /^\d+$/.test(r.bps.trim()) ? Number(r.bps.trim()) : NaN;
    if (!Number.isInteger(bps) || bps <= 0 || bps > TOTAL_BPS) problems.push(`Recipient ${n}: the share must be 1–10,000 bps`);
    else total += bps;
  });
  if (rows.length === 0) problems.push("At least one recipient is needed");
  if (rows.length > MAX_RECIPIENTS) problems.push(`At most ${MAX_RECIPIENTS} recipients`);
  if (total !== TOTAL_BPS) problems.push(`The shares must total exactly 10,000 bps (now ${formatInt(total)})`);
  return { total, problems };
}

/** Recipients and their shares in bps, with the running total. */
export function SplitEditor({ rows, onChange }: { rows: ShareRow[]; onChange: (rows: ShareRow[]) => void }) {
  const { total } = checkSplit(rows);
  return (
    <div className="split-editor" data-testid="split-editor">
      <BpsRows rows={rows} field="address" testIdPrefix="recipient" placeholder="recipient address" onChange={onChange} />
      <div className="row">
        <button
          type="button"
          data-testid="add-recipient"
          className="small"
          disabled={rows.length >= MAX_RECIPIENTS}
          onClick={() => onChange([...rows, { address: "", bps: "" }])}
        >
          Add a recipient
        </button>
        <span className={total === TOTAL_BPS ? "ok" : "error"} data-testid="split-total" data-total={total}>
          Total: {formatInt(total)} / 10,000 bps
        </span>
      </div>
    </div>
  );
}
