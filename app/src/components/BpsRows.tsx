/** A row of the split and parents editors: an address (`field`) and a share in bps. */
export type BpsRow<K extends string> = Record<K | "bps", string>;

/** Editable rows of an address and a share in bps, each with a Remove button. */
export function BpsRows<K extends string>({
  rows,
  field,
  testIdPrefix,
  placeholder,
  onChange,
}: {
  rows: BpsRow<K>[];
  field: K;
  /** `parent` or `recipient`: ids `${prefix}-${field name}-${i}` and `${prefix}-bps-${i}`. */
  testIdPrefix: string;
  placeholder: string;
  onChange: (rows: BpsRow<K>[]) => void;
}) {
  const update = (i: number, patch: Partial<BpsRow<K>>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <>
      {rows.map((r, i) => (
        <div className="row" key={i}>
          <input
            data-testid={`${testIdPrefix}-${field}-${i}`}
            className="wide"
            placeholder={placeholder}
            value={r[field]}
            onChange={(e) => update(i, { [field]: e.target.value } as Partial<BpsRow<K>>)}
          />
          <input
            data-testid={`${testIdPrefix}-bps-${i}`}
            className="narrow"
            inputMode="numeric"
            placeholder="bps"
            value={r.bps}
            onChange={(e) => update(i, { bps: e.target.value } as Partial<BpsRow<K>>)}
          />
          <span className="muted">bps</span>
          <button type="button" className="small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
    </>
  );
}
