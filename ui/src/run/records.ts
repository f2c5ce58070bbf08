/** Words for per-image evaluation records, whatever the task. */
import { formatMetric } from "../format";
import type { DrawnBox } from "../overlay/BoxLayer";
import type { ImageRecord, RecordBoxes } from "./types";

function names(part: unknown): string[] {
  if (part && typeof part === "object" && Array.isArray((part as { class_names?: unknown }).class_names))
    return (part as { class_names: string[] }).class_names;
  return [];
}

function counted(list: string[]): string {
  if (!list.length) return "nothing";
  const counts = new Map<string, number>();
  for (const name of list) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${n}× ${name}` : name)).join(", ");
}

/** Detections at or above the evaluation's score threshold (records keep every detection, highest first). */
export function keptDetections(record: ImageRecord, threshold: number): string[] {
  const scores = record.prediction?.scores ?? [];
  return names(record.prediction).filter((_, i) => (scores[i] ?? 0) >= threshold);
}

/** The truth and the prediction of a record in a few words; null for masks (segmentation, change). */
export function truthAndPrediction(record: ImageRecord, threshold: number): { truth: string; prediction: string } | null {
  if (typeof record.truth_name === "string")
    return { truth: record.truth_name, prediction: record.class_name ?? "—" };
  if (record.prediction)
    return { truth: counted(names(record.truth)), prediction: counted(keptDetections(record, threshold)) };
  return null;
}

/** The tile's accessible name: index, truth and prediction, and the figure that matters for the task. */
export function recordLabel(record: ImageRecord, threshold: number): string {
  const words = truthAndPrediction(record, threshold);
  const verdict = record.correct ? "correct" : "mistake";
  if (words && typeof record.truth_name === "string")
    return `Image ${record.index}: true ${words.truth}, predicted ${words.prediction} (${formatMetric(record.confidence)}), ${verdict}`;
  if (words)
    return `Image ${record.index}: true ${words.truth}; predicted ${words.prediction}; ${record.tp ?? 0} TP, ${record.fp ?? 0} FP, ${record.fn ?? 0} FN, ${verdict}`;
  return `Image ${record.index}: IoU ${formatMetric(record.iou)}, classes ${record.classes.join(", ") || "none"}, ${verdict}`;
}

/** Record fields worth listing (scalars; the big arrays are shown elsewhere or not at all). */
export function scalarFields(record: ImageRecord): [string, string][] {
  return Object.entries(record)
    .filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))
    .map(([k, v]) => [k, typeof v === "boolean" ? (v ? "yes" : "no") : formatMetric(v)]);
}

function drawn(part: RecordBoxes | number | undefined): DrawnBox[] {
  if (!part || typeof part !== "object") return [];
  return (part.boxes ?? []).map((box, i) => ({
    box,
    label: part.class_names?.[i] ?? String(part.labels?.[i] ?? ""),
    classIndex: part.labels?.[i] ?? 0,
    score: part.scores?.[i],
  }));
}

/** A detection record's true boxes, to draw. */
export function truthBoxes(record: ImageRecord): DrawnBox[] {
  return drawn(record.truth);
}

/** A detection record's predicted boxes at or above ``threshold``, to draw. */
export function predictedBoxes(record: ImageRecord, threshold: number): DrawnBox[] {
  return drawn(record.prediction).filter((b) => (b.score ?? 0) >= threshold);
}
