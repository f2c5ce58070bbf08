import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatMetric } from "../format";
import { modelPath, type BestEpoch } from "./types";

/** Which epoch of the version's run scored best on its monitored metric, and whether that one was published. */
export function BestEpochInfo({ name, version }: { name: string; version: number }) {
  const best = useQuery({
    queryKey: ["registry-model", name, "best-epoch", version],
    queryFn: () => api<BestEpoch>(`${modelPath(name)}/versions/${version}/best-epoch`),
  });
  if (best.isPending) return <p className="muted">Finding the best epoch…</p>;
  if (best.error)
    return best.error instanceof ApiError && best.error.status === 404 ? (
      <p className="muted">{best.error.message}</p>
    ) : (
      <ErrorNotice error={best.error} title="The best epoch could not be found" />
    );
  const b = best.data;
  return (
    <p>
      Best epoch of the run on <code>{b.monitor}</code> ({b.mode === "min" ? "lower" : "higher"} is better):{" "}
      <strong>epoch {b.epoch}</strong>, {formatMetric(b.value)}.{" "}
      {b.published_epoch === b.epoch ? (
        <span className="badge status-completed">this version is that epoch</span>
      ) : (
        <span className="badge status-queued">this version is epoch {b.published_epoch}</span>
      )}
    </p>
  );
}
