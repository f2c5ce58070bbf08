import { CartesianGrid, Line, LineChart, ReferenceDot, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetric } from "../format";
import { boundsOf, fitAxis, tickText } from "../run/axis";
import { seriesColour } from "../run/MetricCharts";
import type { LrPoint } from "./types";

const SUGGESTED_COLOUR = seriesColour(3);

/** A learning rate in short: 3.2e-3. */
export const formatRate = (lr: number) => lr.toExponential(1).replace("e+", "e");

/** The decades that hold ``values``: [1e-6, 1e-5, ..., 1]. */
function decades(values: number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (!positive.length) return [];
  const from = Math.floor(Math.log10(Math.min(...positive)));
  const to = Math.ceil(Math.log10(Math.max(...positive)));
  return Array.from({ length: Math.max(1, to - from) + 1 }, (_, i) => Number((10 ** (from + i)).toPrecision(1)));
}

/** The curve's point nearest the suggested rate (on the log scale), where the chart marks it. */
function nearest(curve: LrPoint[], lr: number): LrPoint | undefined {
  let best: LrPoint | undefined;
  for (const point of curve)
    if (!best || Math.abs(Math.log(point.lr / lr)) < Math.abs(Math.log(best.lr / lr))) best = point;
  return best;
}

/** The learning-rate finder's loss at each rate it tried (a log axis), with the suggested rate marked. */
export function LrCurveChart({ curve, suggested }: { curve: LrPoint[]; suggested: number }) {
  const points = curve.filter((p) => p.lr > 0 && Number.isFinite(p.loss));
  const ticks = decades(points.map((p) => p.lr));
  const losses = points.map((p) => p.loss);
  const axis = fitAxis(losses, boundsOf(losses, "nonNegative"));
  const marked = nearest(points, suggested);
  return (
    <figure
      className="chart newrun-curve"
      data-testid="lr-curve"
      data-points={points.length}
      aria-labelledby="lr-curve-title"
    >
      <h4 id="lr-curve-title">Loss by learning rate</h4>
      {points.length === 0 ? (
        <p className="muted small chart-empty">The finder kept no loss to draw.</p>
      ) : (
        <ResponsiveContainer width="100%" height={170} initialDimension={{ width: 420, height: 170 }}>
          <LineChart data={points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
            <XAxis
              dataKey="lr"
              type="number"
              scale="log"
              domain={[ticks[0], ticks[ticks.length - 1]]}
              ticks={ticks}
              allowDataOverflow
              tickFormatter={(value: number) => value.toExponential(0).replace("e+", "e")}
              tick={{ fontSize: 11 }}
              height={34}
              label={{ value: "learning rate", position: "insideBottom", fontSize: 11 }}
            />
            <YAxis
              type="number"
              width={48}
              tick={{ fontSize: 11 }}
              tickFormatter={(value: number) => tickText(value, axis?.digits ?? 3)}
              domain={axis?.domain ?? ["auto", "auto"]}
              ticks={axis?.ticks}
              allowDataOverflow
            />
            <Tooltip
              formatter={(value) => [typeof value === "number" ? formatMetric(value) : String(value), "loss"]}
              labelFormatter={(lr) => `learning rate ${typeof lr === "number" ? formatRate(lr) : lr}`}
            />
            <Line
              dataKey="loss"
              name="loss"
              type="linear"
              stroke={seriesColour(0)}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            {marked && (
              <ReferenceDot
                x={marked.lr}
                y={marked.loss}
                r={5}
                fill={SUGGESTED_COLOUR}
                stroke="#fff"
                strokeWidth={1.5}
                label={{ value: `suggested ${formatRate(suggested)}`, position: "top", fontSize: 11 }}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
