import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEvent } from "../sse";
import type { RunPublic } from "../types";
import { runKeys } from "./keys";
import type { MetricRow } from "./types";

const ENVELOPE = new Set(["id", "kind", "at", "run_id"]);
const SETTLE_MS = 250;

/** A status the run moved to, and when (a ``status`` event). */
export interface StatusChange {
  status: string;
  at: string;
}

/** The run's live state from its events: epoch rows as they arrive (by epoch; a repeated epoch
 * replaces the earlier row), the latest status change, and cache refreshes for status, control,
 * checkpoint, job and warning events; step progress onto the run, system samples into their chart.
 * Refreshes are batched, so a replay of a long event log costs one refetch per query. */
export function useRunLive(runId: string) {
  const client = useQueryClient();
  const [liveRows, setLiveRows] = useState<Record<number, MetricRow>>({});
  const [change, setChange] = useState<StatusChange | null>(null);
  const stale = useRef(new Map<string, QueryKey>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const refresh = useCallback(
    (...keys: QueryKey[]) => {
      for (const key of keys) stale.current.set(JSON.stringify(key), key);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        const due = [...stale.current.values()];
        stale.current.clear();
        for (const queryKey of due) client.invalidateQueries({ queryKey, exact: true });
      }, SETTLE_MS);
    },
    [client],
  );

  const onEvent = useCallback(
    (type: string, event: RunEvent) => {
      switch (type) {
        case "epoch": {
          const row = Object.fromEntries(Object.entries(event).filter(([k]) => !ENVELOPE.has(k))) as MetricRow;
          setLiveRows((rows) => ({ ...rows, [row.epoch]: row }));
          // Only forward: a reconnected stream replays the epochs from the first, and a resumed run keeps
          // its step; the refetched run is the truth when it goes back (a retry from a checkpoint).
          client.setQueryData<RunPublic>(runKeys.run(runId), (run) =>
            run
              ? {
                  ...run,
                  current_epoch: Math.max(run.current_epoch, row.epoch),
                  current_step: Math.max(run.current_step, row.step),
                }
              : run,
          );
          refresh(runKeys.validations(runId));
          break;
        }
        case "checkpoint":
        case "checkpoint_removed":
          refresh(runKeys.checkpoints(runId), runKeys.run(runId));
          break;
        case "job":
        case "job_deleted":
          refresh(runKeys.tests(runId), runKeys.exports(runId), runKeys.benchmark(runId));
          break;
        case "progress": {
          const progress = Object.fromEntries(Object.entries(event).filter(([k]) => !ENVELOPE.has(k)));
          client.setQueryData<RunPublic>(runKeys.run(runId), (run) =>
            run && run.status === "running"
              ? {
                  ...run,
                  progress: progress as RunPublic["progress"],
                  current_step: Math.max(run.current_step, Number(progress.global_step) || 0),
                }
              : run,
          );
          break;
        }
        case "system":
          refresh(runKeys.system(runId));
          break;
        case "status":
          setChange({ status: String(event.status), at: event.at });
          refresh(runKeys.run(runId), runKeys.logs(runId, "training"), runKeys.logs(runId, "worker"));
          break;
        default: // control, warning, reconcile, registry, dataset
          refresh(runKeys.run(runId));
      }
    },
    [client, refresh, runId],
  );

  return { liveRows, change, onEvent };
}
