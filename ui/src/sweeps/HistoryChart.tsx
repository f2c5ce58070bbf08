import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMetric } from "../format";
import { boundsOf, fitAxis, tickText } from "../run/axis";
import { seriesColour } from "../run/MetricCharts";
import { SeriesLegend, useHiddenSeries } from "../run/SeriesLegend";
import type { SweepPublic } from "./types";
import { historyOf } from "./values";

const PRUNED_COLOUR = "#9aa3af";

const SERIES = [
  { name: "value", label: "trial's value", colour: seriesColour(0) },
  { name: "best", label: "best so far", colour: seriesColour(1) },
  { name: "pruned", label: "pruned (last report)", colour: PRUNED_COLOUR },
] as const;

/** The optimization history: each completed trial's objective by trial number, the best so far as a
 * step line, and each pruned trial's last report before it was pruned. */
export function HistoryChart({ sweep }: { sweep: SweepPublic }) {
  const { hidden, toggle } = useHiddenSeries();
  const points = historyOf(sweep.trials, sweep.objective.direction);
  const completed = points.filter((p) => p.value != null).length;
  const pruned = points.filter((p) => p.pruned != null).length;
  const shown = SERIES.filter((s) => !hidden.has(s.name) && (s.name !== "pruned" || pruned > 0));
  const values = points.flatMap((p) => shown.map((s) => p[s.name])).filter((v): v is number => v != null);
  const axis = fitAxis(values, boundsOf(values, sweep.objective.metric.includes("loss") ? "nonNegative" : "metrics"));
  const metric = sweep.objective.metric;
  return (
    <figure
      className="chart sweep-chart"
      data-testid="sweep-history"
      data-trials={completed}
      data-pruned={pruned}
      aria-labelledby="sweep-history-title"
    >
      <h3 id="sweep-history-title">Optimization history: {metric} by trial</h3>
      {completed + pruned === 0 ? (
        <p className="muted small chart-empty">No trial has reported {metric} yet.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
            <LineChart data={points} margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
              <XAxis
                dataKey="number"
                type="number"
                domain={["dataMin", "dataMax"]}
                allowDecimals={false}
                padding={{ left: 12, right: 12 }}
                tick={{ fontSize: 12 }}
                height={36}
                label={{ value: "trial", position: "insideBottom", fontSize: 12 }}
              />
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
                formatter={(value, name) => [typeof value === "number" ? formatMetric(value) : String(value), labelOf(String(name))]}
                labelFormatter={(number) => `trial ${number}`}
              />
              <Line
                dataKey="best"
                name="best"
                type="stepAfter"
                stroke={SERIES[1].colour}
                strokeWidth={2}
                dot={false}
                connectNulls
                hide={hidden.has("best")}
                isAnimationActive={false}
              />
              <Line
                dataKey="value"
                name="value"
                stroke="transparent"
                dot={{ r: 4, fill: SERIES[0].colour, stroke: "#fff", strokeWidth: 1 }}
                activeDot={{ r: 5 }}
                hide={hidden.has("value")}
                legendType="circle"
                isAnimationActive={false}
              />
              {pruned > 0 && (
                <Line
                  dataKey="pruned"
                  name="pruned"
                  stroke="transparent"
                  dot={{ r: 3.5, fill: "#fff", stroke: PRUNED_COLOUR, strokeWidth: 2 }}
                  activeDot={{ r: 4 }}
                  hide={hidden.has("pruned")}
                  isAnimationActive={false}
                />
              )}
            </LineChart>
          </ResponsiveContainer>
          <SeriesLegend
            label="Optimization history series"
            entries={SERIES.filter((s) => s.name !== "pruned" || pruned > 0).map((s) => ({ ...s }))}
            hidden={hidden}
            onToggle={toggle}
          />
        </>
      )}
    </figure>
  );
}

const labelOf = (name: string) => SERIES.find((s) => s.name === name)?.label ?? name;
