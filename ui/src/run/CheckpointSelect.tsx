import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { runKeys, runPath } from "./keys";
import type { Checkpoint } from "./types";

/** best, last, or any other checkpoint file the run kept (manual and per-epoch ones). */
export function CheckpointSelect({
  runId,
  value,
  onChange,
  onlyBestLast,
}: {
  runId: string;
  value: string;
  onChange: (value: string) => void;
  onlyBestLast?: boolean;
}) {
  const list = useQuery({
    queryKey: runKeys.checkpoints(runId),
    queryFn: () => api<Checkpoint[]>(runPath(runId, "/checkpoints")),
  });
  const rows = list.data ?? [];
  const epochOf = (kind: string) => rows.find((c) => c.kind === kind)?.epoch;
  const others = onlyBestLast ? [] : rows.filter((c) => c.kind !== "best" && c.kind !== "last");
  const label = (kind: string) => {
    const epoch = epochOf(kind);
    return epoch === undefined ? kind : `${kind} (epoch ${epoch})`;
  };
  return (
    <label>
      Checkpoint
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="best">{label("best")}</option>
        <option value="last">{label("last")}</option>
        {others.map((c) => {
          const file = c.path.split("/").pop() ?? c.path;
          return (
            <option key={c.id} value={file}>
              {c.kind} · epoch {c.epoch} · {file}
            </option>
          );
        })}
      </select>
    </label>
  );
}
