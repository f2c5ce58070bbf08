import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { ACTIVE, runKeys, runPath } from "./keys";
import type { LogTail as LogTailBody } from "./types";

type Source = "training" | "worker";
const LINES = 200;

/** The last lines of the training log or of the worker's output, refreshed while the run works. */
export function LogTail({ runId, status }: { runId: string; status: string }) {
  const [source, setSource] = useState<Source>("training");
  const working = ACTIVE.has(status);
  const log = useQuery({
    queryKey: runKeys.logs(runId, source),
    queryFn: () => api<LogTailBody>(runPath(runId, `/logs${query({ lines: LINES, source })}`)),
    refetchInterval: working ? 3000 : false,
  });
  const pre = useRef<HTMLPreElement>(null);
  const text = log.data?.lines.join("\n") ?? "";

  // Keep following the end of the log unless the reader has scrolled up.
  const following = useRef(true);
  useEffect(() => {
    const el = pre.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <section className="run-log" aria-labelledby="log-title">
      <div className="toolbar">
        <h2 id="log-title">Log</h2>
        <div className="segmented" role="radiogroup" aria-label="Log source">
          {(["training", "worker"] as const).map((s) => (
            <label key={s} className="inline small">
              <input type="radio" name="log-source" checked={source === s} onChange={() => setSource(s)} />
              {s === "training" ? "Training log" : "Worker output"}
            </label>
          ))}
        </div>
        <span className="spacer" />
        <span className="muted small">
          last {LINES} lines{working ? " · refreshing" : ""}
        </span>
        <button type="button" onClick={() => log.refetch()} disabled={log.isFetching}>
          Refresh log
        </button>
      </div>
      <ErrorNotice error={log.error} title="Could not read the log" />
      {log.isPending ? (
        <Loading what="Reading the log" />
      ) : (
        <pre
          className="log"
          ref={pre}
          tabIndex={0}
          aria-label="Log lines"
          onScroll={(e) => {
            const el = e.currentTarget;
            following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {text || (source === "training" ? "The training log is empty so far." : "The worker has written nothing yet.")}
        </pre>
      )}
    </section>
  );
}
