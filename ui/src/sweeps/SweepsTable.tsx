import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { StatusBadge } from "../components/StatusBadge";
import { formatTime } from "../format";
import { sweepLabel, sweepPage } from "./queries";
import { TrialProgress } from "./TrialProgress";
import type { SweepSummary } from "./types";
import { objectiveText, valueText } from "./values";

const COLUMNS: Column<SweepSummary>[] = [
  {
    key: "sweep",
    header: "Sweep",
    rowHeader: true,
    cell: (sweep) => (
      <>
        <Link to={sweepPage(sweep.id)}>{sweepLabel(sweep)}</Link>
        {sweep.name && <div className="mono small muted">{sweep.id}</div>}
      </>
    ),
  },
  {
    key: "status",
    header: "Status",
    cell: (sweep) => (
      <>
        <StatusBadge status={sweep.status} />
        {sweep.status === "stopped" && !sweep.finished_at && <div className="small muted">trials ending</div>}
        {sweep.error && (
          <div className="small sweeps-error" title={sweep.error}>
            {sweep.error}
          </div>
        )}
      </>
    ),
  },
  { key: "model", header: "Model", cell: (sweep) => sweep.model },
  { key: "dataset", header: "Dataset", cell: (sweep) => sweep.dataset },
  { key: "objective", header: "Objective", className: "small", cell: (sweep) => objectiveText(sweep.objective) },
  { key: "trials", header: "Trials", cell: (sweep) => <TrialProgress sweep={sweep} /> },
  { key: "best", header: "Best value", align: "num", cell: (sweep) => valueText(sweep.best_value) },
  { key: "created", header: "Created", className: "small", cell: (sweep) => formatTime(sweep.created_at) },
];

/** The sweeps, each linking to its page. */
export function SweepsTable({ sweeps }: { sweeps: SweepSummary[] }) {
  return <DataTable className="sweeps-table" label="Sweeps" columns={COLUMNS} rows={sweeps} rowKey={(s) => s.id} />;
}
