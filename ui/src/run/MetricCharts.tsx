import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetric } from "../format";
import { cssColour } from "../overlay/palette";
import { boundsOf, fitAxis, tickText } from "./axis";
import { SeriesLegend, useHiddenSeries } from "./SeriesLegend";
import type { MetricRow } from "./types";

/** Tableau 10: ten colours told apart at a glance; more series take the class palette's hues. */
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const NOT_PLOTTED = new Set(["epoch", "step"]);
const TIMING = /(seconds|_time|duration|_s$)/;

export function seriesColour(index: number): string {
  return COLOURS[index] ?? cssColour(index);
}

/** Splits the metric columns into the three charts: losses, learning rates and everything else. */
export function chartColumns(rows: MetricRow[]) {
  const names: string[] = [];
  for (const row of rows)
    for (const [key, value] of Object.entries(row))
      if (!names.includes(key) && !NOT_PLOTTED.has(key) && typeof value === "number") names.push(key);
  const isLr = (n: string) => n === "lr" || n.startsWith("lr_") || n.startsWith("lr-") || n.includes("learning_rate");
  const loss = names.filter((n) => n.includes("loss"));
  const lr = names.filter(isLr);
  const metrics = names.filter((n) => !n.includes("loss") && !isLr(n) && !TIMING.test(n));
  return { loss, lr, metrics };
}

/** Loss, metrics and learning rate over epochs. */
export function MetricCharts({ rows }: { rows: MetricRow[] }) {
  const { loss, lr, metrics } = chartColumns(rows);
  return (
    <div className="charts">
      <MetricChart title="Loss" id="loss" rows={rows} series={loss} kind="nonNegative" />
      <MetricChart title="Metrics" id="metrics" rows={rows} series={metrics} kind="metrics" />
      <MetricChart title="Learning rate" id="lr" rows={rows} series={lr} kind="nonNegative" scientific />
    </div>
  );
}

function MetricChart({
  title,
  id,
  rows,
  series,
  kind,
  scientific,
}: {
  title: string;
  id: string;
  rows: MetricRow[];
  series: string[];
  kind: "nonNegative" | "metrics";
  scientific?: boolean;
}) {
  const { hidden, toggle } = useHiddenSeries();
  const points = rows.filter((row) => series.some((name) => typeof row[name] === "number")).length;
  const shown = series.filter((name) => !hidden.has(name));
  const values = rows.flatMap((row) => shown.map((name) => row[name])).filter((v): v is number => typeof v === "number");
  const axis = fitAxis(values, boundsOf(values, kind));
  return (
    <figure className="chart run-chart" data-testid={`chart-${id}`} data-points={points} aria-labelledby={`chart-${id}-title`}>
      <h3 id={`chart-${id}-title`}>{title}</h3>
      {points === 0 ? (
        <p className="muted small chart-empty">No {title.toLowerCase()} values yet: they appear after the first epoch.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={228} initialDimension={{ width: 380, height: 228 }}>
            <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
              <XAxis dataKey="epoch" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tick={{ fontSize: 12 }} />
              <YAxis
                type="number"
                tickFormatter={(value: number) => tickText(value, axis?.digits ?? 3, scientific)}
                width={scientific ? 64 : 52}
                tick={{ fontSize: 12 }}
                domain={axis?.domain ?? [0, 1]}
                ticks={axis?.ticks}
                allowDataOverflow
              />
              <Tooltip
                formatter={(value) => (typeof value === "number" ? (scientific ? value.toExponential(2) : formatMetric(value)) : String(value))}
                labelFormatter={(epoch) => `epoch ${epoch}`}
              />
              {series.map((name, i) => (
                <Line
                  key={name}
                  type="monotone"
                  dataKey={name}
                  stroke={seriesColour(i)}
                  dot={{ r: 2 }}
                  strokeWidth={2}
                  connectNulls
                  hide={hidden.has(name)}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <SeriesLegend
            label={`${title} series`}
            entries={series.map((name, i) => ({ name, label: name, colour: seriesColour(i) }))}
            hidden={hidden}
            onToggle={toggle}
          />
        </>
      )}
    </figure>
  );
}
