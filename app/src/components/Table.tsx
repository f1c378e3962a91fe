import type { ReactNode } from "react";

/**
 * A table with an accessible label and column headers that scrolls sideways on its own at phone
 * width (the page does not). An empty column name is a header cell without text (e.g. actions).
 */
export function ScrollTable({
  label,
  columns,
  testId,
  children,
}: {
  label: string;
  columns: string[];
  testId?: string;
  /** The rows. */
  children: ReactNode;
}) {
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="table" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={`${i}-${c}`} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
