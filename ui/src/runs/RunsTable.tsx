import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { EpochProgress } from "../components/EpochProgress";
import { StatusBadge } from "../components/StatusBadge";
import { WarningBadges } from "../components/WarningBadges";
import { formatMetric, formatTime, headline } from "../format";
import type { RunSummary } from "../types";

const COLUMNS: Column<RunSummary>[] = [
  {
    key: "run",
    header: "Run",
    cell: (run) => (
      <>
        <Link to={`/runs/${run.id}`}>{run.name || run.id}</Link>
        {run.name && <div className="mono small muted">{run.id}</div>}
      </>
    ),
  },
  {
    key: "model",
    header: "Model",
    cell: (run) => (
      <>
        {run.model}
        {run.preset && <div className="small muted">preset {run.preset}</div>}
      </>
    ),
  },
  { key: "dataset", header: "Dataset", cell: (run) => run.dataset },
  { key: "status", header: "Status", cell: (run) => <RunStatus run={run} /> },
  {
    key: "progress",
    header: "Progress",
    cell: (run) => (
      <>
        <EpochProgress run={run} />
        <div className="small muted">
          {run.current_epoch}/{run.epochs} epochs
        </div>
      </>
    ),
  },
  { key: "best", header: "Best metric", align: "num", cell: (run) => <BestMetric run={run} /> },
  { key: "created", header: "Created", className: "small", cell: (run) => formatTime(run.created_at) },
];

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  return <DataTable className="runs-table" columns={COLUMNS} rows={runs} rowKey={(run) => run.id} />;
}

function RunStatus({ run }: { run: RunSummary }) {
  return (
    <>
      <StatusBadge status={run.status} /> <WarningBadges warnings={run.warnings} />
      {run.status === "queued" && run.queue_position != null && (
        <div className="small muted runs-queue">#{run.queue_position} in queue</div>
      )}
      {run.control && <div className="small muted">{run.control} requested</div>}
      {run.error && (
        <div className="small runs-error" title={run.error}>
          {run.error}
        </div>
      )}
    </>
  );
}

function BestMetric({ run }: { run: RunSummary }) {
  const best = headline(run.best_metrics);
  if (!best) return <span className="muted">—</span>;
  return (
    <>
      {formatMetric(best[1])}
      <div className="small muted">{best[0]}</div>
    </>
  );
}
