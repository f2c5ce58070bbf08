import { Link } from "react-router-dom";
import { EpochProgress } from "../components/EpochProgress";
import { StatusBadge } from "../components/StatusBadge";
import { WarningBadges } from "../components/WarningBadges";
import { formatMetric, formatTime, headline } from "../format";
import type { RunSummary } from "../types";

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  return (
    <table className="data runs-table">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Model</th>
          <th scope="col">Dataset</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col" className="num">
            Best metric
          </th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <RunRow key={run.id} run={run} />
        ))}
      </tbody>
    </table>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const best = headline(run.best_metrics);
  return (
    <tr>
      <td>
        <Link to={`/runs/${run.id}`}>{run.name || run.id}</Link>
        {run.name && <div className="mono small muted">{run.id}</div>}
      </td>
      <td>
        {run.model}
        {run.preset && <div className="small muted">preset {run.preset}</div>}
      </td>
      <td>{run.dataset}</td>
      <td>
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
      </td>
      <td>
        <EpochProgress run={run} />
        <div className="small muted">
          {run.current_epoch}/{run.epochs} epochs
        </div>
      </td>
      <td className="num">
        {best ? (
          <>
            {formatMetric(best[1])}
            <div className="small muted">{best[0]}</div>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="small">{formatTime(run.created_at)}</td>
    </tr>
  );
}
