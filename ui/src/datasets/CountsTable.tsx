import { DataTable, type Column } from "../components/DataTable";
import { countsPerClass, type DatasetSummary } from "./types";

/** Counts per class (rows) and split (columns): images for class folders, boxes for COCO/YOLO. */
export function CountsTable({ summary }: { summary: DatasetSummary }) {
  const splits = summary.splits;
  const perClass = splits.some((s) => countsPerClass(summary.class_counts[s] ?? {}));
  const rows = perClass ? summary.classes : ["images"];
  const unit =
    summary.format === "image_folder" ? "Images" : summary.format === "levir_cd" ? "Pairs" : perClass ? "Annotations" : "Images";
  const count = (split: string, row: string) => summary.class_counts[split]?.[row] ?? 0;
  const columns: Column<string>[] = [
    { key: "class", header: perClass ? "Class" : "", rowHeader: true, cell: (row) => (perClass ? row : unit) },
    ...splits.map(
      (s): Column<string> => ({ key: `split-${s}`, header: s, align: "num", cell: (row) => count(s, row).toLocaleString() }),
    ),
    {
      key: "all",
      header: "All",
      align: "num",
      cell: (row) => splits.reduce((sum, s) => sum + count(s, row), 0).toLocaleString(),
    },
  ];
  return (
    <DataTable
      className="split-counts"
      caption={`${unit} per ${perClass ? "class and " : ""}split`}
      captionClassName="muted small"
      columns={columns}
      rows={rows}
      rowKey={(row) => row}
    />
  );
}
