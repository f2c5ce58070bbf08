import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { download, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatMetric, formatTime } from "../format";
import type { RunPublic } from "../types";
import { testHeadline } from "./headline";
import { CheckpointCell, JobStatusCell } from "./JobCells";
import { useTests } from "./jobs";
import { runKeys, runPath } from "./keys";
import { TestComparisonView } from "./TestComparison";
import { TestForm } from "./TestForm";
import type { TestRun } from "./types";

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
  const done = (t: TestRun) => t.status === "completed";
  const columns: Column<TestRun>[] = [
    {
      key: "compare",
      header: <span className="visually-hidden">Compare</span>,
      cell: (t) => (
        <input
          type="checkbox"
          aria-label={`Select test ${t.id} for comparison`}
          disabled={!done(t)}
          checked={selected.includes(t.id)}
          onChange={(e) => toggle(t.id, e.target.checked)}
        />
      ),
    },
    {
      key: "test",
      header: "Test",
      className: "mono small",
      cell: (t) => (done(t) ? <Link to={`/runs/${encodeURIComponent(run.id)}/tests/${t.id}`}>{t.id}</Link> : t.id),
    },
    { key: "checkpoint", header: "Checkpoint", cell: (t) => <CheckpointCell job={t} /> },
    { key: "dataset", header: "Dataset", cell: (t) => t.dataset },
    { key: "split", header: "Split", cell: (t) => t.split },
    { key: "status", header: "Status", cell: (t) => <JobStatusCell job={t} /> },
    {
      key: "result",
      header: "Result",
      align: "num",
      cell: (t) => {
        const top = testHeadline(t.metrics, t.split);
        return top ? `${top[0]} ${formatMetric(top[1])}` : "—";
      },
    },
    { key: "images", header: "Images", align: "num", cell: (t) => formatMetric(t.count) },
    { key: "created", header: "Created", className: "small", cell: (t) => formatTime(t.created_at) },
    {
      key: "actions",
      header: "Actions",
      className: "actions",
      cell: (t) => (
        <>
          {done(t) && (
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
        </>
      ),
    },
  ];

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
          <DataTable scroll className="tests-table" columns={columns} rows={tests.data} rowKey={(t) => t.id} />
        </>
      )}
      <ErrorNotice error={fetchFile.error} title="Could not download the results" />
      <ErrorNotice error={remove.error} title="Could not delete the test" />
      {compared && <TestComparisonView runId={run.id} ids={compared} onClose={() => setCompared(null)} />}
    </section>
  );
}
