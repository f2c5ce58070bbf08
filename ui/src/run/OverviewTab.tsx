import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import type { RunPublic } from "../types";
import { Checkpoints } from "./Checkpoints";
import { LogTail } from "./LogTail";
import { MetricCharts } from "./MetricCharts";
import { SystemCharts } from "./SystemCharts";
import type { MetricRow } from "./types";

/** Live charts, the workers' system use, the log and the checkpoint timeline. */
export function OverviewTab({
  run,
  rows,
  loading,
  error,
}: {
  run: RunPublic;
  rows: MetricRow[];
  loading: boolean;
  error: unknown;
}) {
  return (
    <div className="run-overview">
      <h2 className="visually-hidden">Training curves</h2>
      <ErrorNotice error={error} title="Could not load the metric history" />
      {loading ? <Loading what="Loading metrics" /> : <MetricCharts rows={rows} />}
      <SystemCharts run={run} />
      <div className="row overview-lower">
        <div className="grow">
          <LogTail runId={run.id} status={run.status} />
        </div>
        <div className="grow">
          <Checkpoints run={run} />
        </div>
      </div>
    </div>
  );
}
