import { useId } from "react";
import { DataTable, type Column } from "../components/DataTable";
import { formatMetric } from "../format";

type Row = Record<string, unknown>;

/** The report's per-class rows, whatever columns the task has (precision/recall/F1/support, AP, IoU/Dice…). */
export function PerClassTable({ rows }: { rows: Row[] }) {
  const id = useId();
  const names: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (key !== "class_name" && !names.includes(key)) names.push(key);
  const columns: Column<Row>[] = [
    { key: "class_name", header: "Class", rowHeader: true, cell: (row) => String(row.class_name) },
    ...names.map(
      (c): Column<Row> => ({ key: c, header: c.replace(/_/g, " "), align: "num", cell: (row) => formatMetric(row[c]) }),
    ),
  ];
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>Per class</h3>
      <DataTable scroll className="per-class" columns={columns} rows={rows} rowKey={(row) => String(row.class_name)} />
    </section>
  );
}
