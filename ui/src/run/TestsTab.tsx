import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { download, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { StatusBadge } from "../components/StatusBadge";
import { formatMetric, formatTime } from "../format";
import type { RunPublic } from "../types";
import { testHeadline } from "./headline";
import { useTests } from "./jobs";
import { runKeys, runPath } from "./keys";
import { TestComparisonView } from "./TestComparison";
import { TestForm } from "./TestForm";

/** Test runs of this run: start one, follow them, open, compare, download and delete them. */
export function TestsTab({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const tests = useTests(run.id);
  const [selected, setSelected] = useState<string[]>([]);
  const [compared, setCompared] = useState<string[] | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => request(runPath(run.id, `/tests/${id}`), { method: "DELETE" }),
    onSuccess: (_, id) => {
      setSelected((s) => s.filter((x) => x !== id));
      setCompared((c) => (c?.includes(id) ? null : c));
      client.invalidateQueries({ queryKey: runKeys.tests(run.id) });
    },
  });
  const fetchFile = useMutation({
    mutationFn: ({ id, format }: { id: string; format: "json" | "csv" }) =>
      download(runPath(run.id, `/tests/${id}/download?format=${format}`), `test-${id}.${format}`),
  });
  const completed = new Set((tests.data ?? []).filter((t) => t.status === "completed").map((t) => t.id));
  const comparable = selected.filter((id) => completed.has(id));
  const toggle = (id: string, on: boolean) => setSelected((s) => (on ? [...s, id] : s.filter((x) => x !== id)));

  return (
    <section aria-labelledby="tests-title">
      <h2 id="tests-title">Tests</h2>
      <TestForm run={run} />
      <ErrorNotice error={tests.error} title="Could not list the test runs" />
      {tests.isPending && <Loading what="Loading test runs" />}
      {tests.data && tests.data.length === 0 && <p className="muted">No test run yet.</p>}
      {tests.data && tests.data.length > 0 && (
        <>
          <div className="toolbar">
            <h3>Test runs</h3>
            <span className="spacer" />
            <span className="muted small">{comparable.length} completed selected</span>
            <button type="button" disabled={comparable.length < 2} onClick={() => setCompared(comparable)}>
              Compare selected
            </button>
          </div>
          <div className="table-scroll">
            <table className="data tests-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Compare</span>
                  </th>
                  <th scope="col">Test</th>
                  <th scope="col">Checkpoint</th>
                  <th scope="col">Dataset</th>
                  <th scope="col">Split</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Result
                  </th>
                  <th scope="col" className="num">
                    Images
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {tests.data.map((t) => {
                  const top = testHeadline(t.metrics, t.split);
                  const done = t.status === "completed";
                  return (
                    <tr key={t.id}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select test ${t.id} for comparison`}
                          disabled={!done}
                          checked={selected.includes(t.id)}
                          onChange={(e) => toggle(t.id, e.target.checked)}
                        />
                      </td>
                      <td className="mono small">
                        {done ? <Link to={`/runs/${encodeURIComponent(run.id)}/tests/${t.id}`}>{t.id}</Link> : t.id}
                      </td>
                      <td>
                        {t.checkpoint_kind ?? t.checkpoint}
                        {t.checkpoint_epoch != null && <span className="muted small"> · epoch {t.checkpoint_epoch}</span>}
                      </td>
                      <td>{t.dataset}</td>
                      <td>{t.split}</td>
                      <td>
                        <StatusBadge status={t.status} />
                        {t.error && <div className="field-error">{t.error}</div>}
                      </td>
                      <td className="num">{top ? `${top[0]} ${formatMetric(top[1])}` : "—"}</td>
                      <td className="num">{formatMetric(t.count)}</td>
                      <td className="small">{formatTime(t.created_at)}</td>
                      <td className="actions">
                        {done && (
                          <>
                            <button type="button" onClick={() => fetchFile.mutate({ id: t.id, format: "json" })}>
                              Download JSON
                            </button>
                            <button type="button" onClick={() => fetchFile.mutate({ id: t.id, format: "csv" })}>
                              Download CSV
                            </button>
                          </>
                        )}
                        <ConfirmButton
                          label="Delete"
                          question={`Delete test ${t.id}?`}
                          disabled={remove.isPending || t.status === "running"}
                          onConfirm={() => remove.mutate(t.id)}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      <ErrorNotice error={fetchFile.error} title="Could not download the results" />
      <ErrorNotice error={remove.error} title="Could not delete the test" />
      {compared && <TestComparisonView runId={run.id} ids={compared} onClose={() => setCompared(null)} />}
    </section>
  );
}
