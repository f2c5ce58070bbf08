/** A chart's value axis fitted to its data and kept within what the values can be (a loss or a
 * learning rate is never below 0, an accuracy never above 1), with round ticks. */

export interface Bounds {
  min?: number;
  max?: number;
  /** start at 0 when the values hardly move (a learning rate barely decayed is not magnified) */
  zeroWhenFlat?: boolean;
}

export interface Axis {
  domain: [number, number];
  ticks: number[];
  /** significant digits that tell every tick apart */
  digits: number;
}

const TICKS = 5;
/** Values that move by less than this share of the largest are flat. */
const FLAT = 0.1;

/** 1, 2 or 5 times a power of ten, at least ``raw``. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * power >= raw) ?? 10;
  return step * power;
}

const clamp = (value: number, { min = -Infinity, max = Infinity }: Bounds) => Math.min(max, Math.max(min, value));

/** The axis for ``values`` (non-finite ones ignored); null when there is none to fit. */
export function fitAxis(values: number[], bounds: Bounds): Axis | null {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return null;
  const high = Math.max(...finite);
  const lowest = Math.min(...finite);
  // a constant series is shown from 0 rather than magnified around its value
  const flat = high - lowest <= (bounds.zeroWhenFlat ? FLAT : 0) * Math.abs(high);
  const low = flat ? Math.min(lowest, 0) : lowest;
  const spread = high - low || 1;
  const from = clamp(low - spread * 0.05, bounds);
  const to = clamp(high + spread * 0.05, bounds);
  const step = niceStep((to - from) / (TICKS - 1));
  const start = clamp(Math.floor(from / step) * step, bounds);
  const end = clamp(Math.ceil(to / step) * step, bounds);
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step / 1e6; i++) ticks.push(Number((start + i * step).toPrecision(12)));
  const largest = Math.max(Math.abs(start), Math.abs(end));
  const digits = Math.min(12, Math.max(1, Math.ceil(Math.log10(largest / step)) + 1));
  return { domain: [start, end], ticks, digits };
}

/** Where a chart's values must lie: losses and rates at 0 or more, and shares (all of them
 * between 0 and 1: accuracies, IoUs, F1) at most 1. */
export function boundsOf(values: number[], kind: "nonNegative" | "metrics"): Bounds {
  if (kind === "nonNegative") return { min: 0, zeroWhenFlat: true };
  const finite = values.filter(Number.isFinite);
  if (finite.every((v) => v >= 0 && v <= 1)) return { min: 0, max: 1 };
  return finite.every((v) => v >= 0) ? { min: 0 } : {};
}

/** A tick's text, short however large or small the values (0.25, 120, 1.6e+16, 2.5e-4), with
 * ``digits`` significant digits at most. */
export function tickText(value: number, digits: number, scientific = false): string {
  const rounded = Number(value.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (rounded !== 0 && (scientific || magnitude >= 1e5 || magnitude < 1e-3)) return rounded.toExponential();
  return String(rounded);
}
