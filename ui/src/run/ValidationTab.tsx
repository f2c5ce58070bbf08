import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import type { RunPublic } from "../types";
import { EvaluationView } from "./EvaluationView";
import { runKeys, runPath } from "./keys";
import type { EvaluationReport, ValidationEpoch } from "./types";

/** Detailed validation results of the kept epochs (the best and the latest): metrics, confusion
 * matrix, per-class table and the per-image browser. */
export function ValidationTab({ run }: { run: RunPublic }) {
  const epochs = useQuery({
    queryKey: runKeys.validations(run.id),
    queryFn: () => api<ValidationEpoch[]>(runPath(run.id, "/validation")),
  });
  const [chosen, setChosen] = useState<number | null>(null);
  const list = epochs.data ?? [];
  const fallback = list.find((e) => e.best) ?? list[list.length - 1];
  const epoch = list.some((e) => e.epoch === chosen) ? chosen : (fallback?.epoch ?? null);
  const base = runPath(run.id, `/validation/${epoch}`);
  const report = useQuery({
    queryKey: [...runKeys.validations(run.id), epoch],
    queryFn: () => api<EvaluationReport>(base),
    enabled: epoch !== null,
  });

  return (
    <section aria-labelledby="validation-title">
      <div className="toolbar">
        <h2 id="validation-title">Validation</h2>
        {list.length > 0 && (
          <label className="inline">
            Epoch
            <select value={epoch ?? ""} onChange={(e) => setChosen(Number(e.target.value))}>
              {list.map((e) => (
                <option key={e.epoch} value={e.epoch}>
                  {e.epoch}
                  {e.best && e.latest ? " (best, latest)" : e.best ? " (best)" : e.latest ? " (latest)" : ""}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ErrorNotice error={epochs.error} title="Could not list the validation results" />
      {epochs.isPending && <Loading what="Loading validation results" />}
      {epochs.isSuccess && list.length === 0 && (
        <p className="muted">
          No detailed validation results yet: they are kept for the best and the latest validated epoch, once the run
          has validated one.
        </p>
      )}
      <ErrorNotice error={report.error} title={`Could not load the validation of epoch ${epoch}`} />
      {report.isLoading && <Loading what="Loading the validation report" />}
      {report.data && epoch !== null && <EvaluationView report={report.data} base={base} />}
    </section>
  );
}
