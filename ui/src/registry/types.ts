/** The registry API's shapes (src/visionyard/api/schemas.py). */

export interface RunOfVersion {
  id: string;
  name: string | null;
  status: string;
  epochs: number;
  current_epoch: number;
  best_metrics: Record<string, unknown>;
  started_at: string | null;
  finished_at: string | null;
}

export interface ModelVersion {
  name: string;
  version: number;
  aliases: string[];
  task: string;
  /** the plugin */
  model: string;
  run_id: string;
  run: RunOfVersion | null;
  /** the run's checkpoint it was copied from, relative to the run folder */
  checkpoint: string;
  epoch: number;
  metrics: Record<string, unknown>;
  classes: string[];
  dataset: string;
  dataset_fingerprint: string | null;
  size: number;
  sha256: string;
  description: string | null;
  created_by: string;
  created_at: string;
  tracking_version: string | null;
}

export interface ExportOfVersion {
  id: string;
  format: string | null;
  status: string;
  result: Record<string, unknown>;
}

export interface ModelVersionDetail extends ModelVersion {
  config: Record<string, unknown>;
  exports: ExportOfVersion[];
}

export interface TrainedModel {
  name: string;
  task: string;
  model: string;
  description: string | null;
  created_at: string;
  latest_version: number | null;
  /** alias -> version */
  aliases: Record<string, number>;
  versions: ModelVersion[];
}

export interface AliasChange {
  alias: string;
  from_version: number | null;
  /** null when the alias was removed */
  to_version: number | null;
  actor: string;
  reason: string | null;
  at: string;
}

export interface BestEpoch {
  name: string;
  version: number;
  run_id: string;
  monitor: string;
  mode: string;
  epoch: number;
  value: number;
  metrics: Record<string, unknown>;
  published_epoch: number;
}

export const modelPath = (name: string) => `/api/v1/registry/models/${encodeURIComponent(name)}`;

/** "sha256:ad2cd1f7…" → "ad2cd1f7" */
export function shortFingerprint(fingerprint: string | null): string {
  if (!fingerprint) return "—";
  return fingerprint.replace(/^sha256:/, "").slice(0, 8);
}
