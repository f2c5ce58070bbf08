import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatBytes, formatMetric, formatTime, headline } from "../format";
import { useTask } from "../tasks";
import { runActions, type RunPublic } from "../types";
import { runKeys, runPath } from "./keys";
import type { Checkpoint } from "./types";

/** The run's checkpoints in the order they were written, and a manual checkpoint while it runs. */
export function Checkpoints({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const task = useTask(run.task);
  const list = useQuery({
    queryKey: runKeys.checkpoints(run.id),
    queryFn: () => api<Checkpoint[]>(runPath(run.id, "/checkpoints")),
  });
  const save = useMutation({
    mutationFn: () => post<RunPublic>(runPath(run.id, "/checkpoints")),
    onSuccess: (updated) => client.setQueryData(runKeys.run(run.id), updated),
  });
  const requested = run.control === "checkpoint";
  const accepted = runActions(run).has("checkpoint");

  return (
    <section aria-labelledby="checkpoints-title">
      <div className="toolbar">
        <h2 id="checkpoints-title">Checkpoints</h2>
        <span className="spacer" />
        <button
          type="button"
          disabled={!accepted || save.isPending}
          onClick={() => save.mutate()}
          title={
            accepted
              ? "Saved at the worker's next step"
              : run.status === "running"
                ? "The worker has a request to act on first"
                : "Only a running run can save one"
          }
        >
          Save checkpoint now
        </button>
      </div>
      {requested && (
        <p className="notice info small" role="status">
          Checkpoint requested: it appears here once the worker has saved it.
        </p>
      )}
      <ErrorNotice error={save.error} title="Could not request a checkpoint" />
      <ErrorNotice error={list.error} title="Could not list the checkpoints" />
      {list.isPending && <Loading what="Loading checkpoints" />}
      {list.data && list.data.length === 0 && <p className="muted">No checkpoint yet: one is written after each validated epoch.</p>}
      {list.data && list.data.length > 0 && (
        <div className="checkpoint-scroll">
        <ol className="timeline checkpoints" aria-label="Checkpoint timeline">
          {list.data.map((c) => {
            const metric = c.metrics ? headline(c.metrics, task?.headline) : null;
            return (
              <li key={c.id} className={`checkpoint kind-${c.kind}`}>
                <span className={`badge kind kind-${c.kind}`}>{c.kind}</span>{" "}
                <strong>epoch {c.epoch}</strong> <span className="muted small">step {c.step}</span>
                {metric && (
                  <span className="small">
                    {" "}
                    · {metric[0]} {formatMetric(metric[1])}
                  </span>
                )}
                {c.metrics && typeof c.metrics.val_loss === "number" && metric?.[0] !== "val_loss" && (
                  <span className="small"> · val_loss {formatMetric(c.metrics.val_loss)}</span>
                )}
                <span className="muted small">
                  {" "}
                  · {formatBytes(c.size)} · {formatTime(c.created_at)}
                </span>
                <div className="mono small muted">{c.path}</div>
              </li>
            );
          })}
        </ol>
        </div>
      )}
    </section>
  );
}
