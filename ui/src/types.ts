/** Shapes of the API's answers used across pages (see /docs for the full schema). */

/** Something training found wrong and went on with (``engine/health.py``). */
export interface TrainingWarning {
  kind: "loss_rising" | "loss_not_finite";
  epoch: number;
  message: string;
}

export interface RunSummary {
  id: string;
  name: string | null;
  status: string;
  model: string;
  task: string;
  dataset: string;
  preset: string | null;
  base_run: string | null;
  base_version_id: number | null;
  dataset_fingerprint: string | null;
  tracking_id: string | null;
  epochs: number;
  current_epoch: number;
  current_step: number;
  attempt: number;
  restarts: number;
  max_restarts: number;
  queue_position: number | null;
  best_metrics: Record<string, number>;
  final_metrics: Record<string, unknown>;
  warnings: TrainingWarning[];
  error: string | null;
  control: string | null;
  worker_pid: number | null;
  heartbeat_at: string | null;
  created_at: string;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunPublic extends RunSummary {
  config: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
