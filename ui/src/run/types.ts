/** Shapes of the run detail page's API answers (see src/visionyard/api/schemas.py and the services). */

export type MetricRow = Record<string, number | null> & { epoch: number; step: number };

export interface MetricsPublic {
  run_id: string;
  columns: string[];
  rows: MetricRow[];
}

export interface Checkpoint {
  id: number;
  kind: string; // best | last | epoch | manual
  path: string;
  epoch: number;
  step: number;
  metrics: Record<string, unknown> | null;
  size: number;
  created_at: string;
}

export interface LogTail {
  run_id: string;
  source: string;
  lines: string[];
}

export interface ValidationEpoch {
  epoch: number;
  best: boolean;
  latest: boolean;
  metrics: Record<string, number>;
}

export interface ConfusionMatrix {
  labels: string[];
  matrix: number[][];
  unit?: string;
}

/** The report of a validation epoch or a test run (engine/evaluation/recorders.py). */
export interface EvaluationReport {
  task: string;
  classes: string[];
  count: number;
  score_threshold: number;
  metrics: Record<string, number>;
  per_class: Record<string, unknown>[];
  confusion_matrix: ConfusionMatrix | null;
  epoch?: number;
  checkpoint?: string;
  dataset?: string;
  split?: string;
  [key: string]: unknown;
}

/** Detection boxes of a record, x1, y1, x2, y2 in pixels of the image, with dataset labels. */
export interface RecordBoxes {
  boxes?: number[][];
  labels?: number[];
  class_names?: string[];
  scores?: number[];
}

/** One per-image record; the fields depend on the task. */
export interface ImageRecord {
  index: number;
  image: string;
  correct: boolean;
  confidence: number | null;
  loss: number | null;
  iou: number | null;
  classes: string[];
  truth_name?: string;
  class_name?: string;
  truth?: RecordBoxes | number;
  prediction?: RecordBoxes;
  [key: string]: unknown;
}

export interface RecordPage {
  items: ImageRecord[];
  total: number;
  limit: number;
  offset: number;
}

export type JobStatus = "queued" | "running" | "completed" | "failed" | "failed_parity";

export interface TestRun {
  id: string;
  run_id: string;
  status: JobStatus;
  checkpoint: string | null;
  checkpoint_kind: string | null;
  checkpoint_epoch: number | null;
  dataset: string | null;
  /** the split tested; metrics are named after it (``val_acc`` on val, ``test_acc`` on test) */
  split: string | null;
  score_threshold: number | null;
  metrics: Record<string, number>;
  count: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  report?: EvaluationReport;
}

export interface TestComparison {
  tests: { job_id: string; checkpoint: string | null; epoch: number | null; dataset: string | null; split: string | null; count: number | null }[];
  metrics: { metric: string; values: (number | null)[]; deltas: (number | null)[] }[];
}

export interface FormatOption {
  type?: string;
  default?: unknown;
  description?: string;
  enum?: string[];
}

export interface ExportFormat {
  format: string;
  title: string;
  runtime: string;
  available: boolean;
  reason: string | null;
  options: Record<string, FormatOption>;
  tolerance: Record<string, number | null>;
}

export interface ExportJob {
  id: string;
  run_id: string;
  status: JobStatus;
  format: string;
  checkpoint: string | null;
  checkpoint_kind: string | null;
  checkpoint_epoch: number | null;
  options: Record<string, unknown> | null;
  files: string[] | null;
  /** every file that downloads on its own (``?file=NAME``): the model's, model.json and DEPLOY.md */
  downloads?: { name: string; size_bytes: number | null }[];
  size_bytes: number | null;
  size_mb: number | null;
  parity: Record<string, unknown> | null;
  tolerance: Record<string, unknown> | null;
  benchmark: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface BenchmarkRow {
  format: string;
  export_id: string | null;
  status: string;
  checkpoint: string;
  size_mb: number | null;
  metric: string;
  value: number | null;
  metric_delta: number | null;
  agreement: number | null;
  ms_per_image: number;
  p95_ms: number;
  images_per_s: number;
  speedup: number;
  /** parity images the metric is computed on */
  images?: number | null;
  /** the throughput batch (latency is at batch 1) */
  batch?: number | null;
  threads?: number | null;
  /** e.g. "CPU: AMD EPYC 7B13, 2 threads" */
  hardware?: string | null;
}

export interface ModelVersion {
  name: string;
  version: number;
  aliases: string[];
  checkpoint: string;
  epoch: number;
}
