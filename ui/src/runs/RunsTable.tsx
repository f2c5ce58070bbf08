import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { EpochProgress } from "../components/EpochProgress";
import { StatusBadge } from "../components/StatusBadge";
import { TagChips } from "../components/TagChips";
import { WarningBadges } from "../components/WarningBadges";
import { formatMetric, formatTime, headline } from "../format";
import { TrialLink } from "../sweeps/TrialLink";
import { useTask } from "../tasks";
import type { RunSummary } from "../types";

/** Columns after the pick box and the run's name. */
const COLUMNS: Column<RunSummary>[] = [
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

/** The runs, each with a box to pick it for comparison and its tags as chips (a chip filters by its tag). */
export function RunsTable({
  runs,
  picked,
  onPick,
  onTag,
}: {
  runs: RunSummary[];
  picked: ReadonlySet<string>;
  onPick: (id: string, on: boolean) => void;
  onTag: (tag: string) => void;
}) {
  const columns: Column<RunSummary>[] = [
    {
      key: "pick",
      header: "Pick",
      className: "runs-pick",
      cell: (run) => (
        <input
          type="checkbox"
          checked={picked.has(run.id)}
          aria-label={`Pick ${run.name || run.id} to compare`}
          onChange={(e) => onPick(run.id, e.target.checked)}
        />
      ),
    },
    {
      key: "run",
      header: "Run",
      cell: (run) => (
        <>
          <Link to={`/runs/${run.id}`}>{run.name || run.id}</Link>
          {run.name && <div className="mono small muted">{run.id}</div>}
          {run.sweep_id && (
            <div className="small">
              <TrialLink run={run} />
            </div>
          )}
          <TagChips tags={run.tags} onPick={onTag} />
        </>
      ),
    },
    ...COLUMNS,
  ];
  return (
    <DataTable
      className="runs-table"
      columns={columns}
      rows={runs}
      rowKey={(run) => run.id}
      rowClassName={(run) => (picked.has(run.id) ? "picked" : undefined)}
    />
  );
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
  const best = headline(run.best_metrics, useTask(run.task)?.headline);
  if (!best) return <span className="muted">—</span>;
  return (
    <>
      {formatMetric(best[1])}
      <div className="small muted">{best[0]}</div>
    </>
  );
}
