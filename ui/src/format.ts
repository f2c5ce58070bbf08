/** Small display helpers shared by the pages. */

/** "before" → "Before". */
export function capitalised(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatMetric(value: unknown): string {
  if (typeof value !== "number") return value === undefined || value === null ? "—" : String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString();
}

/** The headline metric of a run: ``preferred`` (its task's, ``TaskInfo.headline``) when it has it, else
 * the first of the usual ones it has. */
export function headline(metrics: Record<string, unknown>, preferred?: string): [string, unknown] | null {
  const order = [preferred, "val_acc", "val_map", "val_miou", "val_f1", "val_iou", "val_loss"];
  for (const key of order) if (key !== undefined && key in metrics) return [key, metrics[key]];
  const first = Object.keys(metrics).find((k) => k.startsWith("val_"));
  return first ? [first, metrics[first]] : null;
}

/** Seconds as ``45 s``, ``3 min 20 s`` or ``2 h 05 min``. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
