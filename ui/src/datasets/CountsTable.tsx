import { countsPerClass, type DatasetSummary } from "./types";

/** Counts per class (rows) and split (columns): images for class folders, boxes for COCO/YOLO. */
export function CountsTable({ summary }: { summary: DatasetSummary }) {
  const splits = summary.splits;
  const perClass = splits.some((s) => countsPerClass(summary.class_counts[s] ?? {}));
  const rows = perClass ? summary.classes : ["images"];
  const unit =
    summary.format === "image_folder" ? "Images" : summary.format === "levir_cd" ? "Pairs" : perClass ? "Annotations" : "Images";
  const count = (split: string, row: string) => summary.class_counts[split]?.[row] ?? 0;
  return (
    <table className="data split-counts">
      <caption className="muted small">{unit} per {perClass ? "class and " : ""}split</caption>
      <thead>
        <tr>
          <th>{perClass ? "Class" : ""}</th>
          {splits.map((s) => (
            <th key={s} className="num">
              {s}
            </th>
          ))}
          <th className="num">All</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row}>
            <th scope="row">{perClass ? row : unit}</th>
            {splits.map((s) => (
              <td key={s} className="num">
                {count(s, row).toLocaleString()}
              </td>
            ))}
            <td className="num">{splits.reduce((sum, s) => sum + count(s, row), 0).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
