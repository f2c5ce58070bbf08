import { Link } from "react-router-dom";
import { describeTotal, splitTotals } from "./counts";
import { taskName } from "../format";
import { FORMAT_NAMES, type DatasetSummary } from "./types";

const SHOWN_CLASSES = 6;

export function DatasetTable({ datasets, fresh }: { datasets: DatasetSummary[]; fresh?: string | null }) {
  return (
    <table className="data datasets-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Task</th>
          <th>Format</th>
          <th>Classes</th>
          <th>Splits</th>
          <th className="num">Samples</th>
          <th>Notes</th>
        </tr>
      </thead>
      <tbody>
        {datasets.map((d) => (
          <tr key={d.name} className={d.name === fresh ? "fresh" : undefined}>
            <td>
              <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
              <div className="muted small mono path">{d.path}</div>
            </td>
            <td>
              {d.tasks.map((t) => (
                <span key={t} className="badge">
                  {taskName(t)}
                </span>
              ))}
            </td>
            <td>{FORMAT_NAMES[d.layout] ?? d.layout}</td>
            <td>
              {d.classes.length}
              <div className="muted small">
                {d.classes.slice(0, SHOWN_CLASSES).join(", ")}
                {d.classes.length > SHOWN_CLASSES && ", …"}
              </div>
            </td>
            <td className="small">
              {splitTotals(d).map((t) => (
                <div key={t.split}>{describeTotal(t)}</div>
              ))}
            </td>
            <td className="num">{d.image_count.toLocaleString()}</td>
            <td className="small">
              {d.non_image_count > 0 ? (
                <span className="warn-text">
                  {d.non_image_count} non-image {d.non_image_count === 1 ? "file" : "files"} (skipped)
                </span>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
