import { useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { DataTable } from "../components/DataTable";
import { DownloadButton } from "../components/DownloadButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Markdown } from "../components/Markdown";
import { formatBytes, formatMetric } from "../format";
import { runPath } from "./keys";
import type { ExportDetail } from "./types";

/** One export's options, parity numbers against its tolerance, its files (each downloadable) and the
 * deployment notes (DEPLOY.md) rendered. */
export function ExportDetails({ runId, exportId }: { runId: string; exportId: string }) {
  const detail = useQuery({
    queryKey: ["run", runId, "exports", exportId],
    queryFn: () => api<ExportDetail>(runPath(runId, `/exports/${exportId}`)),
  });
  const d = detail.data;
  return (
    <div className="export-details">
      <ErrorNotice error={detail.error} title="Could not load the export" />
      {detail.isPending && <Loading what="Loading the export" />}
      {d && (
        <div className="row">
          <div className="grow">
            <dl className="facts small">
              <dt>Options</dt>
              <dd className="mono">{optionsText(d.options)}</dd>
              {d.parity &&
                Object.entries(d.parity).map(([k, v]) => (
                  <div key={k} className="fact">
                    <dt>{k.replace(/_/g, " ")}</dt>
                    <dd>
                      {formatMetric(v)}
                      {d.tolerance && d.tolerance[k] != null && (
                        <span className="muted"> (tolerance {formatMetric(d.tolerance[k])})</span>
                      )}
                    </dd>
                  </div>
                ))}
            </dl>
            <ExportFiles runId={runId} exportId={exportId} files={d.downloads ?? []} />
          </div>
          {d.snippet && (
            <div className="grow snippet">
              <Markdown text={d.snippet} />
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function ExportFiles({
  runId,
  exportId,
  files,
}: {
  runId: string;
  exportId: string;
  files: ExportDetail["downloads"];
}) {
  if (!files.length) return null;
  return (
    <DataTable
      className="small export-files"
      caption="Files"
      columns={[
        { key: "file", header: "File", className: "mono", cell: (file) => file.name },
        { key: "size", header: "Size", align: "num", cell: (file) => formatBytes(file.size_bytes) },
        {
          key: "download",
          header: <span className="visually-hidden">Download</span>,
          cell: (file) => (
            <DownloadButton
              path={runPath(runId, `/exports/${exportId}/download${query({ file: file.name })}`)}
              fileName={file.name}
              label={`Download ${file.name}`}
            />
          ),
        },
      ]}
      rows={files}
      rowKey={(file) => file.name}
    />
  );
}

function optionsText(options: Record<string, unknown> | null): string {
  const set = Object.entries(options ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return set.length ? set.map(([k, v]) => `${k}=${String(v)}`).join(", ") : "—";
}
