/** A report's curves and histograms as chart series (engine/evaluation/recorders.py writes them). */

import type { Target } from "../tasks";
import type { EvaluationReport, Histogram } from "./types";

export interface CurvePoint {
  x: number;
  y: number;
}

/** One class's curve: its finite points, and the area under it when the report has one. */
export interface ClassCurve {
  name: string;
  /** the class's index, so a class has the same colour in every chart */
  index: number;
  points: CurvePoint[];
  score: number | null;
}

/** One chart of histograms over the same bins: ``confidence_correct`` and ``confidence_incorrect``
 * share the ``confidence`` chart. */
export interface HistogramGroup {
  id: string;
  title: string;
  note: string | null;
  series: { key: string; label: string }[];
  /** one per bin: its edges, centre and a count per series key */
  bins: ({ from: number; to: number; centre: number } & Record<string, number>)[];
  total: number;
}

const HISTOGRAM_TITLES: Record<string, string> = { iou: "IoU", confidence: "Confidence" };
const SERIES_LABELS: Record<string, string> = { tp: "matched (TP)", fp: "unmatched (FP)" };
/** What each histogram counts, by the task's target and the chart. */
const HISTOGRAM_NOTES: Record<string, string> = {
  "label/confidence": "Top-class confidence of each image.",
  "boxes/iou": "Best IoU with a true box of each detection kept (scored at or above the threshold).",
  "boxes/confidence": "Score of every detection, matched to a true box or not.",
  "instances/iou": "Best mask IoU with a true object of each detection kept (scored at or above the threshold).",
  "instances/confidence": "Score of every detection, matched to a true object or not.",
  "mask/iou": "Mean class IoU of each image.",
  "mask/confidence": "Mean pixel confidence of each image.",
  "change/iou": "IoU of the changed pixels of each image.",
  "change/confidence": "Mean pixel confidence of each image.",
};

function points(xs: number[] | undefined, ys: number[] | undefined): CurvePoint[] {
  const found: CurvePoint[] = [];
  const length = Math.min(xs?.length ?? 0, ys?.length ?? 0);
  for (let i = 0; i < length; i++) {
    const [x, y] = [xs![i], ys![i]];
    if (Number.isFinite(x) && Number.isFinite(y)) found.push({ x, y });
  }
  return found;
}

const finiteOrNull = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** ROC curves per class (classification), with their AUC; null when the report has none. */
export function rocCurves(report: EvaluationReport): ClassCurve[] | null {
  const roc = report.curves?.roc;
  if (!Array.isArray(roc)) return null;
  return roc.map((c) => ({
    name: c.class_name,
    index: report.classes.indexOf(c.class_name),
    points: points(c.fpr, c.tpr),
    score: finiteOrNull(c.auc),
  }));
}

/** Precision-recall curves per class, with their AP (detection: the per-class AP at the curve's
 * IoU, ``ap50``); null when the report has none. */
export function prCurves(report: EvaluationReport): ClassCurve[] | null {
  const pr = report.curves?.pr;
  if (!Array.isArray(pr)) return null;
  const row = (name: string) => report.per_class?.find((r) => r.class_name === name);
  return pr.map((c) => ({
    name: c.class_name,
    index: report.classes.indexOf(c.class_name),
    points: points(c.recall, c.precision),
    score: finiteOrNull(c.ap ?? row(c.class_name)?.ap50),
  }));
}

/** The report's histograms, those over the same quantity in one group (``confidence_tp`` with
 * ``confidence_fp``), each with what it counts for a task of ``target``. */
export function histogramGroups(report: EvaluationReport, target: Target): HistogramGroup[] {
  const grouped = new Map<string, [string, Histogram][]>();
  for (const [key, histogram] of Object.entries(report.histograms ?? {})) {
    const id = key.split("_")[0];
    grouped.set(id, [...(grouped.get(id) ?? []), [key, histogram]]);
  }
  return [...grouped].map(([id, members]) => {
    const edges = members[0][1].edges ?? [];
    const bins = edges.slice(1).map((to, i) => {
      const from = edges[i];
      const bin: HistogramGroup["bins"][number] = { from, to, centre: (from + to) / 2 };
      for (const [key, histogram] of members) bin[key] = histogram.counts?.[i] ?? 0;
      return bin;
    });
    const series = members.map(([key]) => {
      const rest = key.slice(id.length + 1);
      return { key, label: rest ? (SERIES_LABELS[rest] ?? rest.replace(/_/g, " ")) : "count" };
    });
    const total = members.reduce((sum, [, h]) => sum + (h.counts ?? []).reduce((a, b) => a + b, 0), 0);
    const title = HISTOGRAM_TITLES[id] ?? id.replace(/_/g, " ");
    return { id, title, note: HISTOGRAM_NOTES[`${target}/${id}`] ?? null, series, bins, total };
  });
}
