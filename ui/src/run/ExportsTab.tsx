import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useState } from "react";
import { download, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { StatusBadge } from "../components/StatusBadge";
import { formatBytes, formatMetric, formatTime } from "../format";
import type { RunPublic } from "../types";
import { BenchmarkTable } from "./BenchmarkTable";
import { ExportDetails } from "./ExportDetails";
import { ExportForm } from "./ExportForm";
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
          <div className="table-scroll">
            <table className="data exports-table">
              <thead>
                <tr>
                  <th scope="col">Format</th>
                  <th scope="col">Checkpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Parity</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {exports.data.map((job) => {
                  const files = job.status === "completed" || job.status === "failed_parity";
                  return (
                    <Fragment key={job.id}>
                      <tr>
                        <td>
                          <strong>{job.format}</strong>
                          <div className="mono small muted">{job.id}</div>
                        </td>
                        <td>
                          {job.checkpoint_kind ?? job.checkpoint}
                          {job.checkpoint_epoch != null && <span className="muted small"> · epoch {job.checkpoint_epoch}</span>}
                        </td>
                        <td>
                          <StatusBadge status={job.status} />
                          {job.error && <div className="field-error">{job.error}</div>}
                        </td>
                        <td className="num">{formatBytes(job.size_bytes)}</td>
                        <td className="small">
                          <ParitySummary parity={job.parity} />
                        </td>
                        <td className="small">{formatTime(job.created_at)}</td>
                        <td className="actions">
                          {files && (
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
                        </td>
                      </tr>
                      {open === job.id && (
                        <tr className="details-row">
                          <td colSpan={7}>
                            <ExportDetails runId={run.id} exportId={job.id} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
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
