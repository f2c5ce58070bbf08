import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { StatusBadge } from "../components/StatusBadge";
import { formatMetric } from "../format";
import { runKeys, runPath } from "./keys";
import type { BenchmarkRow } from "./types";

/** One row per measured export and one for the PyTorch model it was measured against. */
export function BenchmarkTable({ runId }: { runId: string }) {
  const table = useQuery({
    queryKey: runKeys.benchmark(runId),
    queryFn: () => api<{ run_id: string; rows: BenchmarkRow[] }>(runPath(runId, "/benchmark")),
  });
  const rows = table.data?.rows ?? [];
  return (
    <section aria-labelledby="benchmark-title">
      <h3 id="benchmark-title">Benchmark</h3>
      <ErrorNotice error={table.error} title="Could not load the benchmark" />
      {table.isPending && <Loading what="Loading the benchmark" />}
      {table.isSuccess && rows.length === 0 && (
        <p className="muted">No measurements yet: every finished export is benchmarked against the PyTorch model.</p>
      )}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="data benchmark-table">
            <caption className="muted small">{measuredOn(rows)}</caption>
            <thead>
              <tr>
                <th scope="col">Format</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Size (MB)</th>
                <th scope="col" className="num">Metric</th>
                <th scope="col" className="num">Δ metric</th>
                <th scope="col" className="num">Agreement</th>
                <th scope="col" className="num">ms / image (p50)</th>
                <th scope="col" className="num">p95 ms</th>
                <th scope="col" className="num">Images / s</th>
                <th scope="col" className="num">Speed-up</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.export_id ?? "pytorch"} className={row.export_id ? undefined : "reference"}>
                  <th scope="row">
                    {row.format}
                    <div className="muted small">{row.checkpoint.split("/").pop()}</div>
                  </th>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td className="num">{fixed(row.size_mb, 2)}</td>
                  <td className="num">
                    <span className="muted small">{row.metric} </span>
                    {formatMetric(row.value)}
                    {row.images != null && <div className="muted small">on {row.images} images</div>}
                  </td>
                  <td className="num">{row.metric_delta == null ? "—" : `${row.metric_delta > 0 ? "+" : ""}${formatMetric(row.metric_delta)}`}</td>
                  <td className="num">{formatMetric(row.agreement)}</td>
                  <td className="num">{fixed(row.ms_per_image, 2)}</td>
                  <td className="num">{fixed(row.p95_ms, 2)}</td>
                  <td className="num">{fixed(row.images_per_s, 1)}</td>
                  <td className="num">{row.speedup}×</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What the numbers were measured on, in words: parity images, batch sizes and the machine. */
function measuredOn(rows: BenchmarkRow[]): string {
  const images = distinct(rows.map((r) => r.images));
  const batches = distinct(rows.map((r) => r.batch));
  const hardware = distinct(rows.map((r) => r.hardware));
  return [
    `Metric on ${images.length ? images.join(" or ") : "the"} parity images (validation images both models answered)`,
    "latency at batch 1",
    `throughput at batch ${batches.length ? batches.join(" or ") : "—"}`,
    hardware.length ? `on ${hardware.join("; ")}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

function distinct<T>(values: (T | null | undefined)[]): T[] {
  return [...new Set(values.filter((v): v is T => v !== null && v !== undefined))];
}

function fixed(value: number | null, digits: number): string {
  return value == null ? "—" : value.toFixed(digits);
}
