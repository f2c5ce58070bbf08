import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { StatusBadge } from "../components/StatusBadge";
import { formatMetric } from "../format";
import { runKeys, runPath } from "./keys";
import type { BenchmarkTable as Benchmark, BenchmarkRow } from "./types";

/** One row per measured export and one for the PyTorch model it was measured against. */
export function BenchmarkTable({ runId }: { runId: string }) {
  const table = useQuery({
    queryKey: runKeys.benchmark(runId),
    queryFn: () => api<Benchmark>(runPath(runId, "/benchmark")),
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
        <DataTable
          scroll
          className="benchmark-table"
          caption={measuredOn(rows)}
          captionClassName="muted small"
          columns={COLUMNS}
          rows={rows}
          rowKey={(row) => row.export_id ?? "pytorch"}
          rowClassName={(row) => (row.export_id ? undefined : "reference")}
        />
      )}
    </section>
  );
}

const COLUMNS: Column<BenchmarkRow>[] = [
  {
    key: "format",
    header: "Format",
    rowHeader: true,
    cell: (row) => (
      <>
        {row.format}
        <div className="muted small">{row.checkpoint.split("/").pop()}</div>
      </>
    ),
  },
  { key: "status", header: "Status", cell: (row) => <StatusBadge status={row.status} /> },
  { key: "size", header: "Size (MB)", align: "num", cell: (row) => fixed(row.size_mb, 2) },
  {
    key: "metric",
    header: "Metric",
    align: "num",
    cell: (row) => (
      <>
        <span className="muted small">{row.metric} </span>
        {formatMetric(row.value)}
        <div className="muted small">on {row.images} images</div>
      </>
    ),
  },
  {
    key: "delta",
    header: "Δ metric",
    align: "num",
    cell: (row) => (row.metric_delta == null ? "—" : `${row.metric_delta > 0 ? "+" : ""}${formatMetric(row.metric_delta)}`),
  },
  { key: "agreement", header: "Agreement", align: "num", cell: (row) => formatMetric(row.agreement) },
  { key: "p50", header: "ms / image (p50)", align: "num", cell: (row) => fixed(row.ms_per_image, 2) },
  { key: "p95", header: "p95 ms", align: "num", cell: (row) => fixed(row.p95_ms, 2) },
  { key: "throughput", header: "Images / s", align: "num", cell: (row) => fixed(row.images_per_s, 1) },
  { key: "speedup", header: "Speed-up", align: "num", cell: (row) => `${row.speedup}×` },
];

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
