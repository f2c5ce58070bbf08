import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatMetric } from "../format";
import { runPath } from "./keys";
import type { ExportJob } from "./types";

interface ExportDetail extends ExportJob {
  sidecar: Record<string, unknown> | null;
  snippet: string | null;
}

/** One export's options, parity numbers against its tolerance, files and deployment snippet. */
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
              <dt>Files</dt>
              <dd className="mono">{d.files?.join(", ") ?? "—"}</dd>
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
          </div>
          {d.snippet && (
            <div className="grow">
              <h4>Deployment</h4>
              <pre className="log snippet">{d.snippet}</pre>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function optionsText(options: Record<string, unknown> | null): string {
  const set = Object.entries(options ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return set.length ? set.map(([k, v]) => `${k}=${String(v)}`).join(", ") : "—";
}
