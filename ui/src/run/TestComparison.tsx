import { useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatMetric } from "../format";
import { runPath } from "./keys";
import type { TestComparison } from "./types";

/** Completed tests side by side: each metric per test and its change from the first (the base). */
export function TestComparisonView({ runId, ids, onClose }: { runId: string; ids: string[]; onClose: () => void }) {
  const comparison = useQuery({
    queryKey: ["run", runId, "tests", "compare", ids],
    queryFn: () => api<TestComparison>(runPath(runId, `/tests/compare${query({ ids })}`)),
  });
  const lowerIsBetter = (metric: string) => /loss|error/.test(metric);
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
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                {comparison.data.tests.map((t, i) => (
                  <th key={t.job_id} scope="col" className="num">
                    <span className="mono">{t.job_id}</span>
                    <div className="small muted comparison-test">
                      {i === 0 ? "base · " : ""}
                      {t.checkpoint?.split("/").pop()}
                      {t.epoch != null ? ` (epoch ${t.epoch})` : ""} · {t.dataset}, split {t.split} · {t.count} images
                    </div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {comparison.data.metrics.map((row) => (
                <tr key={row.metric}>
                  <th scope="row">{row.metric}</th>
                  {row.values.map((value, i) => {
                    const delta = row.deltas[i];
                    const better = delta != null && delta !== 0 && delta < 0 === lowerIsBetter(row.metric);
                    return (
                      <td key={i} className="num">
                        {formatMetric(value)}
                        {i > 0 && delta != null && delta !== 0 && (
                          <span className={`delta ${better ? "up" : "down"}`}>
                            {" "}
                            ({delta > 0 ? "+" : ""}
                            {formatMetric(delta)})
                          </span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
