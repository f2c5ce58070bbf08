/** How the compare page names runs, reads metric rows and writes config values. */
import type { ComparedRun } from "../types";

export const runLabel = (run: Pick<ComparedRun, "id" | "name">) => run.name || run.id;

/** A metric's number in a row of metrics, or null (missing, text, not finite). */
export function numberOf(row: Record<string, unknown>, name: string): number | null {
  const value = row[name];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const LOWER_IS_BETTER = /(loss|error|seconds|_time|duration)/;
const isLearningRate = (name: string) => name === "lr" || name.startsWith("lr_") || name.includes("learning_rate");

/** Which way a metric improves; null for what is a setting, not a score (the learning rate, the epoch). */
export function betterOf(name: string): "higher" | "lower" | null {
  if (isLearningRate(name) || name === "epoch" || name === "step") return null;
  return LOWER_IS_BETTER.test(name) ? "lower" : "higher";
}

/** Losses and learning rates are never below 0; other metrics take the axis their values need. */
export const axisKind = (name: string) => (name.includes("loss") || isLearningRate(name) ? "nonNegative" : "metrics");

const HEADLINE = ["val_acc", "val_map", "val_miou", "val_f1", "val_iou", "val_loss"];

/** The metric a comparison opens on: the usual headline one the runs have, else a validation one, else the first. */
export function defaultMetric(metrics: string[]): string {
  return HEADLINE.find((m) => metrics.includes(m)) ?? metrics.find((m) => m.startsWith("val_")) ?? metrics[0] ?? "";
}

/** A config value as text: "—" where a run has none, objects and lists as JSON. */
export function configText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
