import { formatMetric } from "../format";

/** formatMetric, with tiny values (a learning rate) in exponent form instead of 0.0000. */
export function metricText(value: unknown): string {
  if (typeof value === "number" && value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return formatMetric(value);
}

/** Bookkeeping columns of a metrics row, not scores. */
const NOT_SCORES = new Set(["epoch", "step", "lr", "epoch_seconds", "monitor"]);

/** The validation scores of a metrics row as [name, text]. */
export function scores(metrics: Record<string, unknown>): [string, string][] {
  const keys = Object.keys(metrics).filter((k) => k.startsWith("val_") && !NOT_SCORES.has(k));
  return keys.map((k) => [k, metricText(metrics[k])]);
}

/** Every column of a metrics row, scores first. */
export function allMetrics(metrics: Record<string, unknown>): [string, string][] {
  const keys = Object.keys(metrics).filter((k) => k !== "monitor");
  const rank = (k: string) => (k.startsWith("val_") ? 0 : k.startsWith("train_") ? 1 : 2);
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((k) => [k, metricText(metrics[k])]);
}
