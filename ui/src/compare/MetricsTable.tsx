import { useState } from "react";
import { DataTable, type Column } from "../components/DataTable";
import { formatMetric } from "../format";
import type { ComparedRun } from "../types";
import { betterOf, numberOf, runLabel } from "./values";

type Which = "best" | "final";
const WHICH: [Which, string][] = [
  ["best", "At the best epoch"],
  ["final", "At the last epoch"],
];

/** The runs' metrics at their best epoch or at their last, a row per metric, the best run's value of each marked. */
export function MetricsTable({ runs, metrics }: { runs: ComparedRun[]; metrics: string[] }) {
  const [which, setWhich] = useState<Which>("best");
  const valuesOf = (run: ComparedRun) => (which === "best" ? run.best_metrics : run.final_metrics);
  const rows = ["epoch", ...metrics];

  /** The index of the run with the best value of ``metric``, or null (no order, fewer than two values, a tie). */
  function winner(metric: string): number | null {
    const better = betterOf(metric);
    const values = runs.map((run) => numberOf(valuesOf(run), metric));
    const known = values.filter((v): v is number => v !== null);
    if (!better || known.length < 2) return null;
    const top = better === "higher" ? Math.max(...known) : Math.min(...known);
    return values.filter((v) => v === top).length === 1 ? values.indexOf(top) : null;
  }

  const columns: Column<string>[] = [
    { key: "metric", header: "Metric", rowHeader: true, className: "mono", cell: (metric) => metric },
    ...runs.map(
      (run, i): Column<string> => ({
        key: run.id,
        header: runLabel(run),
        align: "num",
        cell: (metric) => {
          const text = formatMetric(valuesOf(run)[metric]);
          return winner(metric) === i ? (
            <strong className="compare-best" title={`the best ${metric} of these runs`}>
              {text}
            </strong>
          ) : (
            text
          );
        },
      }),
    ),
  ];

  return (
    <section aria-labelledby="compare-metrics-title">
      <div className="toolbar compare-section-head">
        <h2 id="compare-metrics-title">Metrics</h2>
        <span className="spacer" />
        <fieldset className="segmented compare-which">
          <legend className="small muted">Values</legend>
          {WHICH.map(([value, label]) => (
            <label key={value} className="inline small">
              <input type="radio" name="compare-which" checked={which === value} onChange={() => setWhich(value)} />
              {label}
            </label>
          ))}
        </fieldset>
      </div>
      <DataTable className="compare-metrics" columns={columns} rows={rows} rowKey={(metric) => metric} scroll label="Metrics of the compared runs" />
    </section>
  );
}
