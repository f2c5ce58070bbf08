/** Shapes of the run detail page's API answers: aliases of the generated API types (see ../types.ts).
 * Where the API declares a free object (metric rows, per-image records, format options), the
 * fields the UI reads are spelled out here. */

import type { Refined, Schemas } from "../types";

/** One row of ``metrics.csv``: epoch and step, and a value (or null) per column. */
export type MetricRow = Record<string, number | null> & { epoch: number; step: number };

/** ``GET /runs/{id}/metrics``; the API declares its rows as free objects. */
export type MetricsPublic = Refined<"MetricsPublic", { rows: MetricRow[] }>;

export type Checkpoint = Schemas["CheckpointPublic"];
export type LogTail = Schemas["LogTail"];
export type ValidationEpoch = Schemas["ValidationEpoch"];
export type ConfusionMatrix = Schemas["ConfusionMatrix"];
export type Histogram = Schemas["Histogram"];

/** One class's ROC curve (classification), thinned to about a hundred points. */
export interface RocCurve {
  class_name: string;
  fpr: number[];
  tpr: number[];
  auc?: number | null;
}

/** One class's precision-recall curve; detection's (at IoU ``pr_iou``) come without an AP. */
export interface PrCurve {
  class_name: string;
  recall: number[];
  precision: number[];
  ap?: number | null;
}

/** A report's ``curves``: classification has roc and pr, detection pr, dense tasks none. */
export interface ReportCurves {
  roc?: RocCurve[];
  pr?: PrCurve[];
  pr_iou?: number;
}

/** The report of a validation epoch or a test run (engine/evaluation/recorders.py). The API allows
 * extra fields in it (an index signature ``Refined`` would lose every field to), hence the intersection. */
export type EvaluationReport = Schemas["EvaluationReport"] & { curves: ReportCurves };

/** Detection boxes of a record, x1, y1, x2, y2 in pixels of the image, with dataset labels. */
export interface RecordBoxes {
  boxes?: number[][];
  labels?: number[];
  class_names?: string[];
  scores?: number[];
}

/** One per-image record; the fields depend on the task (the API declares a free object). */
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

/** ``GET .../images``: a page of per-image records. */
export type RecordPage = Refined<"RecordPage", { items: ImageRecord[] }>;

export type TestRun = Schemas["TestPublic"];
/** A test run with its report. */
export type TestRunDetail = Refined<"TestDetail", { report?: EvaluationReport | null }>;
export type TestComparison = Schemas["TestComparison"];
export type ComparedTest = Schemas["ComparedTest"];
export type ComparedMetric = Schemas["ComparedMetric"];

/** One option of an export format, a JSON Schema node (the API declares a free object). */
export interface FormatOption {
  type?: string;
  default?: unknown;
  description?: string;
  enum?: string[];
}

export type ExportFormat = Schemas["FormatPublic"];
export type ExportJob = Schemas["ExportPublic"];
export type ExportDetail = Schemas["ExportDetail"];
export type BenchmarkRow = Schemas["BenchmarkRow"];
export type BenchmarkTable = Schemas["BenchmarkTable"];
