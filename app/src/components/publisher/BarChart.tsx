// A small accessible bar chart in SVG: the figure has an aria-label summarising it, every bar a
// <title> (read on hover and by screen readers), and the same numbers follow as a table (the
// fallback for anyone who cannot see the bars, and what the tests read).

export interface BarPoint {
  /** The x label, e.g. a bucket's start date. */
  label: string;
  value: bigint;
}

const WIDTH = 600;
const HEIGHT = 180;
const PAD_LEFT = 8;
const PAD_BOTTOM = 22;
const PAD_TOP = 16;

export function BarChart({
  title,
  points,
  format,
  testId,
}: {
  title: string;
  points: BarPoint[];
  /** How a value is written (UI units of a mint, a count…). */
  format: (v: bigint) => string;
  testId: string;
}) {
  const max = points.reduce((m, p) => (p.value > m ? p.value : m), 0n);
  const total = points.reduce((s, p) => s + p.value, 0n);
  const summary =
    points.length === 0
      ? `${title}: no data yet`
      : `${title}: ${points.length} period${points.length === 1 ? "" : "s"}, total ${format(total)}, highest ${format(max)}`;
  const slot = (WIDTH - PAD_LEFT) / Math.max(points.length, 1);
  const barWidth = Math.max(Math.min(slot * 0.7, 60), 2);
  const plotHeight = HEIGHT - PAD_BOTTOM - PAD_TOP;
  // Bars scale to the highest value; Number() only for the drawing (the table keeps bigints).
  const heightOf = (v: bigint) => (max === 0n ? 0 : (Number((v * 10_000n) / max) / 10_000) * plotHeight);
  return (
    <figure className="chart" data-testid={testId} data-total={total.toString()} style={{ margin: "0.5rem 0" }}>
      <figcaption style={{ fontWeight: 600, fontSize: "0.9rem" }}>{title}</figcaption>
      <svg
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        style={{ width: "100%", height: "auto", maxHeight: 200, background: "#f8fafc", borderRadius: 6 }}
      >
        <line x1={PAD_LEFT} x2={WIDTH} y1={HEIGHT - PAD_BOTTOM} y2={HEIGHT - PAD_BOTTOM} stroke="#94a3b8" />
        {points.map((p, i) => {
          const h = heightOf(p.value);
          const x = PAD_LEFT + i * slot + (slot - barWidth) / 2;
          return (
            <g key={`${p.label}-${i}`}>
              <rect x={x} y={HEIGHT - PAD_BOTTOM - h} width={barWidth} height={h} fill="#1d4ed8" rx={2}>
                <title>{`${p.label}: ${format(p.value)}`}</title>
              </rect>
              <text x={x + barWidth / 2} y={HEIGHT - PAD_BOTTOM - h - 3} fontSize="11" textAnchor="middle" fill="#0f172a">
                {format(p.value)}
              </text>
              <text x={x + barWidth / 2} y={HEIGHT - 6} fontSize="10" textAnchor="middle" fill="#475569">
                {p.label}
              </text>
            </g>
          );
        })}
      </svg>
      <details>
        <summary className="muted" style={{ fontSize: "0.8rem" }}>
          As a table
        </summary>
        <div style={{ overflowX: "auto" }}>
          <table className="table" aria-label={title} data-testid={`${testId}-table`}>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">{title}</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p, i) => (
                <tr key={`${p.label}-${i}`}>
                  <td>{p.label}</td>
                  <td data-value={p.value.toString()}>{format(p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
