import { Address } from "../Address";
import { useAsync } from "../../hooks/useAsync";
import { usePrograms } from "../../hooks/usePrograms";
import { type Asset, fetchSplit } from "../../lib/accounts";
import { formatBps, formatInt } from "../../lib/amounts";

/** The asset's royalty split: its active recipients and their shares. */
export function SplitTable({ asset }: { asset: Asset }) {
  const programs = usePrograms();
  const split = useAsync(() => fetchSplit(programs, asset.split), [programs, asset.split.toBase58()]);
  return (
    <section className="card">
      <h2>Royalty split</h2>
      <p className="muted">
        Every sale pays the protocol fee, then the parents' shares, then this split. Split <Address value={asset.split} />
      </p>
      {split.data && (
        <table className="table" data-testid="split-table">
          <thead>
            <tr>
              <th>Recipient</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            {split.data.entries
              .filter((e) => e.bps > 0)
              .map((e) => (
                <tr key={e.address.toBase58()} data-testid="split-row" data-address={e.address.toBase58()}>
                  <td>
                    <Address value={e.address} full />
                  </td>
                  <td>
                    {formatInt(e.bps)} bps ({formatBps(e.bps)})
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
