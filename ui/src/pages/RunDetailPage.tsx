import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, NavLink, Route, Routes, useParams } from "react-router-dom";
import { api, ApiError } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { ExportsTab } from "../run/ExportsTab";
import { FINISHED, runKeys, runPath } from "../run/keys";
import { LiveStream } from "../run/LiveStream";
import { OverviewTab } from "../run/OverviewTab";
import { PublishTab } from "../run/PublishTab";
import { RunControls } from "../run/RunControls";
import { RunHeader } from "../run/RunHeader";
import { TestDetail } from "../run/TestDetail";
import { TestsTab } from "../run/TestsTab";
import type { MetricRow, MetricsPublic } from "../run/types";
import { useRunLive } from "../run/useRunLive";
import { ValidationTab } from "../run/ValidationTab";
import type { RunPublic } from "../types";
import "../run/run.css";

/** /runs/:runId/*: a run's header and controls, and its Overview, Validation, Tests, Exports and Publish tabs. */
export function RunDetailPage() {
  const { runId = "" } = useParams();
  return <RunDetail key={runId} runId={runId} />;
}

const TABS = [
  ["", "Overview"],
  ["/validation", "Validation"],
  ["/tests", "Tests"],
  ["/exports", "Exports"],
  ["/publish", "Publish"],
] as const;

function RunDetail({ runId }: { runId: string }) {
  const { liveRows, change, onEvent } = useRunLive(runId);
  const run = useQuery({
    queryKey: runKeys.run(runId),
    queryFn: () => api<RunPublic>(runPath(runId)),
    // The event stream refreshes it on every change; this only catches what events do not carry.
    refetchInterval: (q) => (q.state.data && FINISHED.has(q.state.data.status) ? false : 10_000),
  });
  const history = useQuery({
    queryKey: runKeys.metrics(runId),
    queryFn: () => api<MetricsPublic>(runPath(runId, "/metrics")),
    enabled: run.isSuccess,
  });
  const rows = useMemo(() => mergeRows(history.data?.rows ?? [], liveRows), [history.data, liveRows]);
  const generation = useStreamGeneration(run.data?.status);

  if (run.isPending) return <Loading what="Loading the run" />;
  if (run.isError)
    return (
      <>
        <h1>Run {runId}</h1>
        <ErrorNotice
          error={run.error}
          title={run.error instanceof ApiError && run.error.status === 404 ? "No such run" : "Could not load the run"}
        />
        <p>
          <Link to="/">Back to the runs</Link>
        </p>
      </>
    );

  const base = `/runs/${encodeURIComponent(runId)}`;
  return (
    <div className="run-detail">
      <RunHeader
        run={run.data}
        change={change}
        stream={<LiveStream key={`${runId}:${generation}`} runId={runId} onEvent={onEvent} />}
      />
      <RunControls run={run.data} />
      <nav className="tabs run-tabs" aria-label="Run sections">
        {TABS.map(([path, label]) => (
          <NavLink key={label} to={base + path} end={path === ""}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route
          index
          element={<OverviewTab run={run.data} rows={rows} loading={history.isPending} error={history.error} />}
        />
        <Route path="validation" element={<ValidationTab run={run.data} />} />
        <Route path="tests" element={<TestsTab run={run.data} />} />
        <Route path="tests/:testId" element={<TestDetail run={run.data} />} />
        <Route path="exports" element={<ExportsTab run={run.data} />} />
        <Route path="publish" element={<PublishTab run={run.data} />} />
        <Route
          path="*"
          element={
            <p className="notice error" role="alert">
              This run has no such page. <Link to={base}>Back to its overview</Link>
            </p>
          }
        />
      </Routes>
    </div>
  );
}

/** History rows with the live ones laid over them (a live row replaces its epoch's stored one). */
function mergeRows(stored: MetricRow[], live: Record<number, MetricRow>): MetricRow[] {
  const byEpoch = new Map<number, MetricRow>();
  for (const row of stored) byEpoch.set(row.epoch, row);
  for (const row of Object.values(live)) byEpoch.set(row.epoch, row);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Bumped when a finished run is queued again (resume, retry): its ended event stream must reconnect. */
function useStreamGeneration(status: string | undefined): number {
  const [generation, setGeneration] = useState(0);
  const previous = useRef(status);
  useEffect(() => {
    if (previous.current && FINISHED.has(previous.current) && status && !FINISHED.has(status))
      setGeneration((g) => g + 1);
    previous.current = status;
  }, [status]);
  return generation;
}
