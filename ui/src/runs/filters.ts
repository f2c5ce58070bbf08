/** The runs list's status filter: one choice maps to the statuses asked of the API. */

export const ACTIVE = ["queued", "running", "restarting"];

export const STATUS_FILTERS: { value: string; label: string; statuses: string[] }[] = [
  { value: "", label: "All", statuses: [] },
  { value: "active", label: "Active (queued, running, paused)", statuses: [...ACTIVE, "paused"] },
  { value: "finished", label: "Finished (completed, failed, stopped)", statuses: ["completed", "failed", "stopped"] },
  ...["queued", "running", "restarting", "paused", "completed", "failed", "stopped"].map((status) => ({
    value: status,
    label: status.charAt(0).toUpperCase() + status.slice(1),
    statuses: [status],
  })),
];

export function statusesOf(value: string): string[] {
  return STATUS_FILTERS.find((f) => f.value === value)?.statuses ?? [];
}
