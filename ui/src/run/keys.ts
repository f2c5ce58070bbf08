/** react-query keys and API paths of one run. */

export const runKeys = {
  run: (id: string) => ["run", id] as const,
  metrics: (id: string) => ["run", id, "metrics"] as const,
  checkpoints: (id: string) => ["run", id, "checkpoints"] as const,
  logs: (id: string, source: string) => ["run", id, "logs", source] as const,
  validations: (id: string) => ["run", id, "validation"] as const,
  tests: (id: string) => ["run", id, "tests"] as const,
  exports: (id: string) => ["run", id, "exports"] as const,
  benchmark: (id: string) => ["run", id, "benchmark"] as const,
  system: (id: string) => ["run", id, "system"] as const,
};

export function runPath(id: string, rest = ""): string {
  return `/api/v1/runs/${encodeURIComponent(id)}${rest}`;
}

/** Run statuses in which the stream has ended and no worker is on it. */
export const FINISHED = new Set(["completed", "failed", "stopped", "pruned"]);
export const ACTIVE = new Set(["running", "restarting"]);
export const JOB_DONE = new Set(["completed", "failed", "failed_parity"]);
