import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { StatusBadge } from "../components/StatusBadge";
import type { SweepPublic, Trial } from "./types";
import { distributionText, lastReport, paramNames, paramText, valueText } from "./values";

/** Every trial by number: its run, status (pruned ones too), each parameter's value, the objective, the
 * epochs it trained and why it failed; the best trial's row is marked. */
export function TrialsTable({ sweep }: { sweep: SweepPublic }) {
  const bestNumber = sweep.best_trial?.number;
  const params: Column<Trial>[] = paramNames(sweep).map((name) => ({
    key: `param:${name}`,
    header: <span title={distributionText(sweep.space[name])}>{name}</span>,
    className: "mono small",
    cell: (trial) => paramText(trial.params[name]),
  }));
  const columns: Column<Trial>[] = [
    { key: "number", header: "Trial", align: "num", rowHeader: true, cell: (trial) => trial.number },
    {
      key: "run",
      header: "Run",
      className: "small",
      cell: (trial) =>
        trial.run_id ? (
          <Link to={`/runs/${encodeURIComponent(trial.run_id)}`}>{trial.run_id}</Link>
        ) : (
          <span className="muted">none</span>
        ),
    },
    {
      key: "status",
      header: "Status",
      cell: (trial) => (
        <>
          <StatusBadge status={trial.status} />
          {trial.number === bestNumber && <span className="badge best-trial">best</span>}
        </>
      ),
    },
    ...params,
    {
      key: "value",
      header: sweep.objective.metric,
      align: "num",
      cell: (trial) => <TrialValue trial={trial} />,
    },
    { key: "epochs", header: "Epochs", align: "num", cell: (trial) => trial.epochs },
    {
      key: "error",
      header: "Error",
      className: "small",
      cell: (trial) =>
        trial.error ? (
          <span className="trial-error" title={trial.error}>
            {trial.error.split("\n")[0]}
          </span>
        ) : null,
    },
  ];
  const trials = [...sweep.trials].sort((a, b) => a.number - b.number);
  return (
    <DataTable
      className="trials-table"
      caption="Trials"
      captionClassName="visually-hidden"
      columns={columns}
      rows={trials}
      rowKey={(trial) => trial.number}
      rowClassName={(trial) => (trial.number === bestNumber ? "best" : undefined)}
      empty="No trial has been asked for yet: the first ones are queued within a few seconds."
      scroll
    />
  );
}

/** A completed trial's objective; a pruned one's last report, marked as such. */
function TrialValue({ trial }: { trial: Trial }) {
  if (trial.value != null) return <>{valueText(trial.value)}</>;
  const last = trial.status === "pruned" ? lastReport(trial) : null;
  if (last == null) return <span className="muted">—</span>;
  return (
    <span className="muted" title="its last report before it was pruned">
      {valueText(last)} (pruned)
    </span>
  );
}
