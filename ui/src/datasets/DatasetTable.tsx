import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { TaskTitle } from "../components/TaskTitle";
import { describeTotal, splitTotals } from "./counts";
import { FORMAT_NAMES, type DatasetSummary } from "./types";

const SHOWN_CLASSES = 6;

const COLUMNS: Column<DatasetSummary>[] = [
  {
    key: "name",
    header: "Name",
    cell: (d) => (
      <>
        <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
        <div className="muted small mono path">{d.path}</div>
      </>
    ),
  },
  {
    key: "task",
    header: "Task",
    cell: (d) =>
      d.tasks.map((t) => (
        <span key={t} className="badge">
          <TaskTitle name={t} />
        </span>
      )),
  },
  { key: "format", header: "Format", cell: (d) => FORMAT_NAMES[d.layout] ?? d.layout },
  {
    key: "classes",
    header: "Classes",
    cell: (d) => (
      <>
        {d.classes.length}
        <div className="muted small">
          {d.classes.slice(0, SHOWN_CLASSES).join(", ")}
          {d.classes.length > SHOWN_CLASSES && ", …"}
        </div>
      </>
    ),
  },
  {
    key: "splits",
    header: "Splits",
    className: "small",
    cell: (d) => splitTotals(d).map((t) => <div key={t.split}>{describeTotal(t)}</div>),
  },
  { key: "samples", header: "Samples", align: "num", cell: (d) => d.image_count.toLocaleString() },
  {
    key: "notes",
    header: "Notes",
    className: "small",
    cell: (d) =>
      d.non_image_count > 0 ? (
        <span className="warn-text">
          {d.non_image_count} non-image {d.non_image_count === 1 ? "file" : "files"} (skipped)
        </span>
      ) : (
        <span className="muted">—</span>
      ),
  },
];

export function DatasetTable({ datasets, fresh }: { datasets: DatasetSummary[]; fresh?: string | null }) {
  return (
    <DataTable
      className="datasets-table"
      columns={COLUMNS}
      rows={datasets}
      rowKey={(d) => d.name}
      rowClassName={(d) => (d.name === fresh ? "fresh" : undefined)}
    />
  );
}
