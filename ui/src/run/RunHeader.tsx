import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { EpochProgress } from "../components/EpochProgress";
import { ErrorNotice } from "../components/ErrorNotice";
import { StatusBadge } from "../components/StatusBadge";
import { WarningBadges } from "../components/WarningBadges";
import { formatMetric, formatTime, headline } from "../format";
import { TrialLink } from "../sweeps/TrialLink";
import { useTask } from "../tasks";
import type { RunPublic } from "../types";
import { FINISHED } from "./keys";
import { RunLabels } from "./RunLabels";
import type { StatusChange } from "./useRunLive";

const REQUEST_TEXT: Record<string, string> = {
  pause: "pause requested: the worker checkpoints and pauses at its next step",
  pause_epoch: "pause requested by its sweep: the worker checkpoints and pauses at the end of this epoch",
  prune: "pruned by its sweep: the worker checkpoints and ends the trial at the end of this epoch",
  stop: "stop requested: the worker checkpoints and stops at its next step",
  checkpoint: "checkpoint requested: the worker saves one at its next step",
};

/** Title, status and the facts of a run; ``stream`` is the live-events indicator, ``change`` the
 * latest status change its events reported. */
export function RunHeader({ run, stream, change }: { run: RunPublic; stream: ReactNode; change: StatusChange | null }) {
  const task = useTask(run.task);
  const best = headline(run.best_metrics, task?.headline);
  // every worker start is an attempt: the first, each crash restart, each resume or retry
  const resumes = Math.max(0, run.attempt - 1 - run.restarts);
  const pausedAt = change?.status === "paused" ? change.at : null;
  return (
    <header className="run-header">
      <div className="run-title">
        <h1>{run.name ?? run.id}</h1>
        <StatusBadge status={run.status} />
        <WarningBadges warnings={run.warnings} />
        {stream}
      </div>
      {run.name && <p className="muted small mono run-id">{run.id}</p>}
      <RunLabels run={run} />
      <dl className="facts run-facts">
        <Fact term="Model">
          <Link to="/models">{run.model}</Link>
          {run.preset && <span className="muted"> · preset {run.preset}</span>}
        </Fact>
        <Fact term="Dataset">
          <Link to={`/datasets/${encodeURIComponent(run.dataset)}`}>{run.dataset}</Link>
        </Fact>
        <Fact term="Task">{task?.title ?? run.task}</Fact>
        <Fact term="Epoch">
          <EpochProgress run={run} />
          <span>
            {run.current_epoch} / {run.epochs}
            <span className="muted small current-step"> · step {run.current_step}</span>
          </span>
        </Fact>
        <Fact term="Resumed">
          {resumes}× <span className="muted small">· crash restarts {run.restarts} of {run.max_restarts}</span>
        </Fact>
        {run.status === "queued" && run.queue_position != null && <Fact term="Queue">position {run.queue_position}</Fact>}
        {run.assigned_devices?.length ? <Fact term="GPUs">{run.assigned_devices.join(", ")}</Fact> : null}
        {run.executor && (
          <Fact term="Worker">
            {run.executor}
            {run.worker_node && <span> on {run.worker_node}</span>}
            {run.worker_ref && <span className="muted small"> · actor {run.worker_ref}</span>}
          </Fact>
        )}
        {best && (
          <Fact term="Best">
            {best[0]} {formatMetric(best[1])}
            {typeof run.best_metrics.epoch === "number" && (
              <span className="muted small"> at epoch {run.best_metrics.epoch}</span>
            )}
          </Fact>
        )}
        <Fact term="Started">{formatTime(run.started_at ?? run.created_at)}</Fact>
        {run.status === "paused" && <Fact term="Paused">{pausedAt ? formatTime(pausedAt) : "until resumed"}</Fact>}
        {run.finished_at && FINISHED.has(run.status) && <Fact term="Finished">{formatTime(run.finished_at)}</Fact>}
        {run.sweep_id && (
          <Fact term="Sweep">
            <TrialLink run={run} />
          </Fact>
        )}
        {run.base_run && (
          <Fact term="Fine-tuned from">
            <Link to={`/runs/${encodeURIComponent(run.base_run)}`}>{run.base_run}</Link>
          </Fact>
        )}
        {run.serve_export && (
          <Fact term="Serving">
            <span title="An ONNX export of the best checkpoint is queued when the run completes">
              ONNX export when it completes
            </span>
          </Fact>
        )}
        {run.tracking_id && (
          <Fact term="MLflow run">
            <span className="mono small" title="The MLflow run mirroring this one">
              {run.tracking_id}
            </span>
          </Fact>
        )}
      </dl>
      {run.control && (
        <p className="notice info" role="status">
          Pending: {REQUEST_TEXT[run.control] ?? `${run.control} requested`}
        </p>
      )}
      {!!run.warnings?.length && (
        <div className="notice warning" role="status" aria-label="Training warnings">
          <strong>Training went on, but:</strong>
          <ul>
            {run.warnings.map((w) => (
              <li key={`${w.kind}-${w.epoch}`}>{w.message}</li>
            ))}
          </ul>
        </div>
      )}
      {run.error && <RunError error={run.error} failed={run.status === "failed"} />}
    </header>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The run's error: its first line in words, the rest (worker log tail, traceback) folded away. */
function RunError({ error, failed }: { error: string; failed: boolean }) {
  const [summary, ...rest] = error.split("\n");
  return (
    <div className="run-error">
      {failed ? (
        <ErrorNotice error={new Error(summary)} title="The run failed" />
      ) : (
        <p className="notice info">Last error: {summary}</p>
      )}
      {rest.some((line) => line.trim()) && (
        <details>
          <summary className="small">Error details</summary>
          <pre className="log">{rest.join("\n").trim()}</pre>
        </details>
      )}
    </div>
  );
}
