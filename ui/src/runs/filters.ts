/** The runs list's filters, kept in the address's query string (so a filtered list can be shared and
 * reloaded) and sent to ``GET /runs``, which filters on the server. */

export const ACTIVE = ["queued", "running", "restarting"];

export const STATUS_FILTERS: { value: string; label: string; statuses: string[] }[] = [
  { value: "", label: "All", statuses: [] },
  { value: "active", label: "Active (queued, running, paused)", statuses: [...ACTIVE, "paused"] },
  {
    value: "finished",
    label: "Finished (completed, failed, stopped, pruned)",
    statuses: ["completed", "failed", "stopped", "pruned"],
  },
  ...["queued", "running", "restarting", "paused", "completed", "failed", "stopped", "pruned"].map((status) => ({
    value: status,
    label: status.charAt(0).toUpperCase() + status.slice(1),
    statuses: [status],
  })),
];

export function statusesOf(value: string): string[] {
  return STATUS_FILTERS.find((f) => f.value === value)?.statuses ?? [];
}

export interface RunFilters {
  /** a ``STATUS_FILTERS`` value */
  status: string;
  model: string;
  dataset: string;
  /** runs with every one of these tags */
  tags: string[];
  /** text in the id, the name or the note */
  q: string;
  /** bounds: ``metric:val_acc>0.9``, ``param:lr<=0.01`` */
  where: string[];
  /** the trials of this sweep (its id) */
  sweep: string;
}

/** The query-string keys the filters use (``offset`` is the page). */
export const FILTER_KEYS = ["status", "model", "dataset", "tag", "q", "where", "sweep", "offset"] as const;

export function filtersOf(params: URLSearchParams): RunFilters {
  return {
    status: params.get("status") ?? "",
    model: params.get("model") ?? "",
    dataset: params.get("dataset") ?? "",
    tags: params.getAll("tag"),
    q: params.get("q") ?? "",
    where: params.getAll("where"),
    sweep: params.get("sweep") ?? "",
  };
}

/** The filters as ``GET /runs`` parameters (``api.query`` leaves the empty ones out). */
export function apiParams(filters: RunFilters): Record<string, unknown> {
  return {
    status: statusesOf(filters.status),
    model: filters.model,
    dataset: filters.dataset,
    tag: filters.tags,
    q: filters.q.trim(),
    where: filters.where,
    sweep: filters.sweep,
  };
}

export function isFiltered(filters: RunFilters): boolean {
  const { status, model, dataset, tags, q, where, sweep } = filters;
  return !!(status || model || dataset || q.trim() || tags.length || where.length || sweep);
}

/** Bounds typed in one box, separated by semicolons: ``metric:val_acc>0.9; param:lr<0.01``. */
export function splitBounds(text: string): string[] {
  return text
    .split(";")
    .map((bound) => bound.trim())
    .filter(Boolean);
}

export const joinBounds = (bounds: string[]) => bounds.join("; ");
