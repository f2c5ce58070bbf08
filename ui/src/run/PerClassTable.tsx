import { useId } from "react";
import { formatMetric } from "../format";

/** The report's per-class rows, whatever columns the task has (precision/recall/F1/support, AP, IoU/Dice…). */
export function PerClassTable({ rows }: { rows: Record<string, unknown>[] }) {
  const id = useId();
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (key !== "class_name" && !columns.includes(key)) columns.push(key);
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>Per class</h3>
      <div className="table-scroll">
        <table className="data per-class">
          <thead>
            <tr>
              <th scope="col">Class</th>
              {columns.map((c) => (
                <th key={c} scope="col" className="num">
                  {c.replace(/_/g, " ")}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={String(row.class_name)}>
                <th scope="row">{String(row.class_name)}</th>
                {columns.map((c) => (
                  <td key={c} className="num">
                    {formatMetric(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
