import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetric } from "../format";
import { boundsOf, fitAxis, tickText } from "../run/axis";
import { seriesColour } from "../run/MetricCharts";
import type { ComparedRun } from "../types";
import { axisKind, numberOf, runLabel } from "./values";

type Point = { epoch: number } & Record<string, number | null>;

/** The line of run ``index`` in the chart's points. */
const seriesKey = (index: number) => `run${index}`;

/** One point per epoch any run has, with each run's value of ``metric`` at it (null where it has none). */
function pointsOf(runs: ComparedRun[], metric: string): Point[] {
  const byEpoch = new Map<number, Point>();
  runs.forEach((run, i) => {
    for (const row of run.history) {
      const epoch = numberOf(row, "epoch");
      const value = numberOf(row, metric);
      if (epoch === null || value === null) continue;
      const point = byEpoch.get(epoch) ?? { epoch };
      point[seriesKey(i)] = value;
      byEpoch.set(epoch, point);
    }
  });
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** One metric of every run over its epochs, a line per run in the run's colour, with a metric picker. */
export function OverlayChart({
  runs,
  metrics,
  metric,
  onMetric,
}: {
  runs: ComparedRun[];
  metrics: string[];
  metric: string;
  onMetric: (metric: string) => void;
}) {
  const points = pointsOf(runs, metric);
  const values = points.flatMap((p) => runs.map((_, i) => p[seriesKey(i)])).filter((v): v is number => v != null);
  const axis = fitAxis(values, boundsOf(values, axisKind(metric)));
  const drawn = runs.filter((_, i) => points.some((p) => p[seriesKey(i)] != null)).length;
  return (
    <figure className="chart compare-chart" data-testid="compare-chart" data-lines={drawn} aria-labelledby="compare-chart-title">
      <div className="toolbar compare-chart-head">
        <h3 id="compare-chart-title">{metric || "No metrics"} by epoch</h3>
        <span className="spacer" />
        <label htmlFor="compare-metric" className="small">
          Metric
        </label>
        <select id="compare-metric" value={metric} onChange={(e) => onMetric(e.target.value)} disabled={!metrics.length}>
          {metrics.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      {points.length === 0 ? (
        <p className="muted small chart-empty">No epoch of these runs has {metric || "metrics"} yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 760, height: 300 }}>
          <LineChart data={points} margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
            <XAxis dataKey="epoch" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tick={{ fontSize: 12 }} />
            <YAxis
              type="number"
              width={60}
              tick={{ fontSize: 12 }}
              tickFormatter={(value: number) => tickText(value, axis?.digits ?? 3)}
              domain={axis?.domain ?? [0, 1]}
              ticks={axis?.ticks}
              allowDataOverflow
            />
            <Tooltip
              formatter={(value) => (typeof value === "number" ? formatMetric(value) : String(value))}
              labelFormatter={(epoch) => `epoch ${epoch}`}
            />
            {runs.map((run, i) => (
              <Line
                key={run.id}
                type="monotone"
                dataKey={seriesKey(i)}
                name={runLabel(run)}
                stroke={seriesColour(i)}
                dot={{ r: 2 }}
                strokeWidth={2}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
      <ul className="compare-legend" aria-label="Runs in the chart">
        {runs.map((run, i) => (
          <li key={run.id}>
            <span className="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
            {runLabel(run)}
          </li>
        ))}
      </ul>
    </figure>
  );
}
