import { PublicKey } from "@solana/web3.js";

import { formatInt } from "../lib/amounts";
import { BpsRows } from "./BpsRows";

export interface ParentRow {
  asset: string;
  bps: string;
}

export const MAX_PARENTS = 8;
export const MAX_PARENTS_BPS = 5_000;

export function checkParents(rows: ParentRow[]): { total: number; problems: string[] } {
  const problems: string[] = [];
  let total = 0;
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const n = i + 1;
    try {
      const k = new PublicKey(r.asset.trim()).toBase58();
      if (seen.has(k)) problems.push(`Parent ${n}: declared twice`);
      seen.add(k);
    } catch {
      problems.push(`Parent ${n}: not an address`);
    }
    const bps = /^\d+$/.test(r.bps.trim()) ? Number(r.bps.trim()) : NaN;
    if (!Number.isInteger(bps) || bps <= 0) problems.push(`Parent ${n}: the share must be above 0 bps`);
    else total += bps;
  });
  if (rows.length > MAX_PARENTS) problems.push(`At most ${MAX_PARENTS} parents`);
  if (total > MAX_PARENTS_BPS) problems.push(`The parents' shares total ${formatInt(total)} bps: at most 5,000`);
  return { total, problems };
}

/** A model's parent assets (the datasets it was trained on) and their share of each sale. */
export function ParentsEditor({ rows, onChange }: { rows: ParentRow[]; onChange: (rows: ParentRow[]) => void }) {
  const { total } = checkParents(rows);
  return (
    <div className="parents-editor">
      <BpsRows rows={rows} field="asset" testIdPrefix="parent" placeholder="parent asset address" onChange={onChange} />
      <div className="row">
        <button
          type="button"
          className="small"
          data-testid="add-parent"
          disabled={rows.length >= MAX_PARENTS}
          onClick={() => onChange([...rows, { asset: "", bps: "" }])}
        >
          Add a parent
        </button>
        <span className={total <= MAX_PARENTS_BPS ? "muted" : "error"}>Parents: {formatInt(total)} / at most 5,000 bps</span>
      </div>
    </div>
  );
}
