import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetric } from "../format";
import type { MetricRow } from "./types";

const COLOURS = ["#1f6feb", "#d9480f", "#2f9e44", "#9c36b5", "#e8590c", "#0c8599", "#c2255c", "#5c940d"];
const NOT_PLOTTED = new Set(["epoch", "step"]);
const TIMING = /(seconds|_time|duration|_s$)/;

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
      <MetricChart title="Loss" id="loss" rows={rows} series={loss} />
      <MetricChart title="Metrics" id="metrics" rows={rows} series={metrics} />
      <MetricChart title="Learning rate" id="lr" rows={rows} series={lr} scientific />
    </div>
  );
}

function MetricChart({
  title,
  id,
  rows,
  series,
  scientific,
}: {
  title: string;
  id: string;
  rows: MetricRow[];
  series: string[];
  scientific?: boolean;
}) {
  const points = rows.filter((row) => series.some((name) => typeof row[name] === "number")).length;
  const tick = (value: number) => (scientific ? value.toExponential(1) : String(Number(value.toPrecision(3))));
  return (
    <figure className="chart run-chart" data-testid={`chart-${id}`} data-points={points} aria-labelledby={`chart-${id}-title`}>
      <h3 id={`chart-${id}-title`}>{title}</h3>
      {points === 0 ? (
        <p className="muted small chart-empty">No {title.toLowerCase()} values yet: they appear after the first epoch.</p>
      ) : (
        <ResponsiveContainer width="100%" height={228} initialDimension={{ width: 380, height: 228 }}>
          <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
            <XAxis dataKey="epoch" type="number" domain={["dataMin", "dataMax"]} allowDecimals={false} tick={{ fontSize: 12 }} />
            <YAxis tickFormatter={tick} width={scientific ? 64 : 52} tick={{ fontSize: 12 }} domain={["auto", "auto"]} />
            <Tooltip
              formatter={(value) => (typeof value === "number" ? (scientific ? value.toExponential(2) : formatMetric(value)) : String(value))}
              labelFormatter={(epoch) => `epoch ${epoch}`}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {series.map((name, i) => (
              <Line
                key={name}
                type="monotone"
                dataKey={name}
                stroke={COLOURS[i % COLOURS.length]}
                dot={{ r: 2 }}
                strokeWidth={2}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
