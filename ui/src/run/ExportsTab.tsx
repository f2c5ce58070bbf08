import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { download, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatBytes, formatMetric, formatTime } from "../format";
import type { RunPublic } from "../types";
import { BenchmarkTable } from "./BenchmarkTable";
import { ExportDetails } from "./ExportDetails";
import { ExportForm } from "./ExportForm";
import { CheckpointCell, JobStatusCell } from "./JobCells";
import { useExports } from "./jobs";
import { JOB_DONE, runKeys, runPath } from "./keys";
import type { ExportJob } from "./types";

/** Exports of this run: start one, follow it, compare them in the benchmark table, download and delete. */
export function ExportsTab({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const exports = useExports(run.id);
  const [open, setOpen] = useState<string | null>(null);
  const finished = (exports.data ?? []).filter((e) => JOB_DONE.has(e.status)).length;
  useEffect(() => {
    client.invalidateQueries({ queryKey: runKeys.benchmark(run.id) });
  }, [client, finished, run.id]);

  const remove = useMutation({
    mutationFn: (id: string) => request(runPath(run.id, `/exports/${id}`), { method: "DELETE" }),
    onSuccess: () => client.invalidateQueries({ queryKey: runKeys.exports(run.id) }),
  });
  const fetchFile = useMutation({
    mutationFn: (job: ExportJob) => download(runPath(run.id, `/exports/${job.id}/download`), `${run.id}-${job.format}`),
  });
  const columns: Column<ExportJob>[] = [
    {
      key: "format",
      header: "Format",
      cell: (job) => (
        <>
          <strong>{job.format}</strong>
          <div className="mono small muted">{job.id}</div>
        </>
      ),
    },
    { key: "checkpoint", header: "Checkpoint", cell: (job) => <CheckpointCell job={job} /> },
    { key: "status", header: "Status", cell: (job) => <JobStatusCell job={job} /> },
    { key: "size", header: "Size", align: "num", cell: (job) => formatBytes(job.size_bytes) },
    { key: "parity", header: "Parity", className: "small", cell: (job) => <ParitySummary parity={job.parity} /> },
    { key: "created", header: "Created", className: "small", cell: (job) => formatTime(job.created_at) },
    {
      key: "actions",
      header: "Actions",
      className: "actions",
      cell: (job) => (
        <>
          {(job.status === "completed" || job.status === "failed_parity") && (
            <button
              type="button"
              aria-label={`Download ${job.format}`}
              disabled={fetchFile.isPending}
              onClick={() => fetchFile.mutate(job)}
            >
              Download
            </button>
          )}
          <button
            type="button"
            aria-expanded={open === job.id}
            aria-label={`Details of ${job.format} export ${job.id}`}
            onClick={() => setOpen(open === job.id ? null : job.id)}
          >
            Details
          </button>
          <ConfirmButton
            label="Delete"
            question={`Delete the ${job.format} export?`}
            disabled={remove.isPending || job.status === "running"}
            onConfirm={() => remove.mutate(job.id)}
          />
        </>
      ),
    },
  ];

  return (
    <section aria-labelledby="exports-title">
      <h2 id="exports-title">Exports</h2>
      <ExportForm run={run} />
      <ErrorNotice error={exports.error} title="Could not list the exports" />
      {exports.isPending && <Loading what="Loading exports" />}
      {exports.data && exports.data.length === 0 && <p className="muted">No export yet.</p>}
      {exports.data && exports.data.length > 0 && (
        <>
          <h3>Export jobs</h3>
          <DataTable
            scroll
            className="exports-table"
            columns={columns}
            rows={exports.data}
            rowKey={(job) => job.id}
            details={(job) => open === job.id && <ExportDetails runId={run.id} exportId={job.id} />}
          />
        </>
      )}
      <ErrorNotice error={fetchFile.error} title="Could not download the export" />
      <ErrorNotice error={remove.error} title="Could not delete the export" />
      <BenchmarkTable runId={run.id} />
    </section>
  );
}

function ParitySummary({ parity }: { parity: Record<string, unknown> | null }) {
  if (!parity) return <span className="muted">—</span>;
  const { agreement, metric, metric_delta: delta, max_abs_diff: diff } = parity as Record<string, number | string | null>;
  return (
    <>
      {agreement != null && <div>agreement {formatMetric(agreement)}</div>}
      {metric && delta != null && (
        <div>
          {metric} Δ {formatMetric(delta)}
        </div>
      )}
      {typeof diff === "number" && <div className="muted">max diff {diff ? diff.toExponential(1) : "0"}</div>}
    </>
  );
}
