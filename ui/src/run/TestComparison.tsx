import { useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatMetric } from "../format";
import { runPath } from "./keys";
import type { ComparedMetric, ComparedTest, TestComparison } from "./types";

/** Completed tests side by side: each metric per test and its change from the first (the base). */
export function TestComparisonView({ runId, ids, onClose }: { runId: string; ids: string[]; onClose: () => void }) {
  const comparison = useQuery({
    queryKey: ["run", runId, "tests", "compare", ids],
    queryFn: () => api<TestComparison>(runPath(runId, `/tests/compare${query({ ids })}`)),
  });
  return (
    <section className="card comparison" aria-labelledby="comparison-title">
      <div className="toolbar">
        <h3 id="comparison-title">Comparison</h3>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close comparison
        </button>
      </div>
      <ErrorNotice error={comparison.error} title="Could not compare the tests" />
      {comparison.isPending && <Loading what="Comparing" />}
      <p className="muted small">Metrics are named without the split they were measured on: each column says its split.</p>
      {comparison.data && (
        <DataTable
          scroll
          columns={comparedColumns(comparison.data.tests)}
          rows={comparison.data.metrics}
          rowKey={(row) => row.metric}
        />
      )}
    </section>
  );
}

const lowerIsBetter = (metric: string) => /loss|error/.test(metric);

/** The metric, then a column per test: its value and its change from the first test's. */
function comparedColumns(tests: ComparedTest[]): Column<ComparedMetric>[] {
  return [
    { key: "metric", header: "Metric", rowHeader: true, cell: (row) => row.metric },
    ...tests.map(
      (t, i): Column<ComparedMetric> => ({
        key: `test-${t.job_id ?? i}`,
        header: (
          <>
            <span className="mono">{t.job_id ?? "—"}</span>
            <div className="small muted comparison-test">
              {i === 0 ? "base · " : ""}
              {t.checkpoint?.split("/").pop()}
              {t.epoch != null ? ` (epoch ${t.epoch})` : ""} · {t.dataset}, split {t.split} · {t.count} images
            </div>
          </>
        ),
        align: "num",
        cell: (row) => <ComparedValue row={row} index={i} />,
      }),
    ),
  ];
}

function ComparedValue({ row, index }: { row: ComparedMetric; index: number }) {
  const delta = row.deltas[index];
  const changed = index > 0 && delta != null && delta !== 0;
  const better = changed && delta < 0 === lowerIsBetter(row.metric);
  return (
    <>
      {formatMetric(row.values[index])}
      {changed && (
        <span className={`delta ${better ? "up" : "down"}`}>
          {" "}
          ({delta > 0 ? "+" : ""}
          {formatMetric(delta)})
        </span>
      )}
    </>
  );
}
