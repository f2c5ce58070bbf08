/** How the sweep pages read trials: parameter values as text, the objective's best so far, the
 * parameters' axes and the colour of an objective value. */
import { formatMetric } from "../format";
import type { Distribution, Objective, SweepPublic, SweepSummary, Trial } from "./types";

/** A parameter's value as text: small and large numbers in exponent form (a learning rate of 3e-4). */
export function paramText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return Number(value.toPrecision(3)).toExponential();
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The objective value as text ("—" while a trial has none). */
export const valueText = (value: number | null | undefined) => (value == null ? "—" : formatMetric(value));

/** "val_acc, maximized". */
export const objectiveText = (objective: Objective) =>
  `${objective.metric}, ${objective.direction === "maximize" ? "maximized" : "minimized"}`;

export const isBetter = (direction: Objective["direction"], a: number, b: number) =>
  direction === "maximize" ? a > b : a < b;

/** The parameters of a sweep, in its space's order, then any a trial has that the space lacks. */
export function paramNames(sweep: Pick<SweepPublic, "space" | "trials">): string[] {
  const names = Object.keys(sweep.space);
  for (const trial of sweep.trials) for (const name of Object.keys(trial.params)) if (!names.includes(name)) names.push(name);
  return names;
}

/** Trial statuses that are over: the study was told how they ended. */
export const ENDED = ["completed", "pruned", "failed", "stopped"];

/** How many trials have ended, and the counts by status in words ("3 completed · 1 pruned"). */
export function trialProgress(sweep: Pick<SweepSummary, "trial_counts">): { ended: number; text: string } {
  const counts = Object.entries(sweep.trial_counts).filter(([, count]) => count > 0);
  const ended = counts.filter(([status]) => ENDED.includes(status)).reduce((sum, [, count]) => sum + count, 0);
  const order = ["running", "restarting", "queued", "paused", ...ENDED];
  counts.sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return { ended, text: counts.map(([status, count]) => `${count} ${status}`).join(" · ") };
}

/** A sweep's trials by status, from its trials themselves: unlike the server's ``trial_counts`` (its runs
 * by status) these count a trial that failed before a run could be made for it. */
export function countsOf(trials: Pick<Trial, "status">[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const trial of trials) counts[trial.status] = (counts[trial.status] ?? 0) + 1;
  return counts;
}

/** "median · n_startup_trials 5, n_warmup_steps 0". */
export function prunerText(pruner: Record<string, unknown>): string {
  const type = String(pruner.type ?? "none").replace(/_/g, " ");
  const options = Object.entries(pruner)
    .filter(([key]) => key !== "type")
    .map(([key, value]) => `${key} ${paramText(value)}`);
  return options.length ? `${type} · ${options.join(", ")}` : type;
}

/** A distribution in words: "1e-4 to 0.1, log", "adam, sgd". */
export function distributionText(spec: Distribution | undefined): string {
  if (!spec) return "";
  if (spec.type === "categorical") return spec.choices.map(paramText).join(", ");
  const parts = [`${paramText(spec.low)} to ${paramText(spec.high)}`];
  if (spec.log) parts.push("log");
  if (spec.step) parts.push(`step ${paramText(spec.step)}`);
  return parts.join(", ");
}

export interface HistoryPoint {
  number: number;
  /** a completed trial's objective */
  value: number | null;
  /** the best objective of the completed trials up to this one */
  best: number | null;
  /** a pruned trial's last reported value */
  pruned: number | null;
}

/** One point per trial, by number: its objective, the best so far, a pruned trial's last report. */
export function historyOf(trials: Trial[], direction: Objective["direction"]): HistoryPoint[] {
  let best: number | null = null;
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .map((trial) => {
      if (trial.value != null && (best === null || isBetter(direction, trial.value, best))) best = trial.value;
      return { number: trial.number, value: trial.value, best, pruned: trial.status === "pruned" ? lastReport(trial) : null };
    });
}

/** The value a trial reported at its last validated epoch, or null. */
export function lastReport(trial: Trial): number | null {
  const epochs = Object.keys(trial.intermediate).map(Number).filter(Number.isFinite);
  if (!epochs.length) return null;
  const value = trial.intermediate[String(Math.max(...epochs))];
  return typeof value === "number" ? value : null;
}

/** Where a value lies on a parameter's axis, from 0 (bottom) to 1 (top); null when it cannot be placed. */
export type Scale = (value: unknown) => number | null;

export interface ParamAxis {
  name: string;
  scale: Scale;
  /** the axis's labelled values and where they lie */
  ticks: { at: number; text: string }[];
}

/** A parameter's axis: its choices evenly spaced, or its range (on a log scale where it was searched so),
 * from the space or else from the values the trials took. */
export function paramAxis(name: string, spec: Distribution | undefined, values: unknown[]): ParamAxis {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const categorical = spec ? spec.type === "categorical" : numbers.length < values.filter((v) => v != null).length;
  if (categorical) {
    const choices: unknown[] = spec?.type === "categorical" ? [...spec.choices] : [];
    for (const value of values) if (value != null && !choices.some((c) => sameChoice(c, value))) choices.push(value);
    const at = (i: number) => (choices.length === 1 ? 0.5 : i / (choices.length - 1));
    return {
      name,
      scale: (value) => {
        const i = choices.findIndex((c) => sameChoice(c, value));
        return i < 0 ? null : at(i);
      },
      ticks: choices.map((choice, i) => ({ at: at(i), text: paramText(choice) })),
    };
  }
  const range = spec && spec.type !== "categorical" ? spec : null;
  let low = range?.low ?? Math.min(...numbers);
  let high = range?.high ?? Math.max(...numbers);
  if (!numbers.length && !range) low = high = 0;
  const log = !!range?.log && low > 0;
  const position = (v: number) => (log ? Math.log10(v) : v);
  const from = position(low);
  const span = position(high) - from;
  const scale: Scale = (value) => {
    if (typeof value !== "number" || !Number.isFinite(value) || (log && value <= 0)) return null;
    return span === 0 ? 0.5 : Math.min(1, Math.max(0, (position(value) - from) / span));
  };
  return { name, scale, ticks: span === 0 ? [{ at: 0.5, text: paramText(low) }] : rangeTicks(low, high, log, range?.type === "int", scale) };
}

/** A range's labelled values: its ends, and between them the powers of ten on a log scale (1e-4, 1e-3, …)
 * or the middle on a linear one; an inner one too close to an end (a range just past a power of ten) is left out. */
function rangeTicks(low: number, high: number, log: boolean, whole: boolean, scale: Scale): ParamAxis["ticks"] {
  const inner: number[] = [];
  if (log) for (let power = Math.ceil(Math.log10(low)); 10 ** power < high; power++) inner.push(10 ** power);
  else inner.push(whole ? Math.round((low + high) / 2) : (low + high) / 2);
  const tick = (v: number) => ({ at: scale(v) ?? 0, text: paramText(v) });
  const GAP = 0.08;
  return [tick(low), ...inner.map(tick).filter((t) => t.at > GAP && t.at < 1 - GAP), tick(high)];
}

const sameChoice = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The colour of an objective value, from orange (the worst seen) through purple to blue (the best), for
 * a share in [0, 1]; every shade stands out on white. */
export function valueColour(share: number): string {
  const stops = [
    [230, 145, 56],
    [157, 80, 160],
    [31, 62, 160],
  ];
  const t = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0.5)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const mix = stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * (t - i)));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}
