import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from "recharts";
import type { ClassCurve } from "./curves";
import { seriesColour } from "./MetricCharts";
import { SeriesLegend, useHiddenSeries } from "./SeriesLegend";

/** Classes drawn at first; the legend shows the others. */
const FIRST_SHOWN = 10;
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** One line per class over [0, 1]², each class shown or hidden from the legend, which gives its
 * area score (AUC, AP) when the report has one. */
export function CurveChart({
  id,
  title,
  note,
  curves,
  axes,
  scoreName,
  diagonal,
}: {
  id: string;
  title: string;
  note?: string;
  curves: ClassCurve[];
  /** the names of the x and y values */
  axes: [string, string];
  scoreName: string;
  /** draw the chance line from (0, 0) to (1, 1) */
  diagonal?: boolean;
}) {
  const { hidden, toggle } = useHiddenSeries(curves.slice(FIRST_SHOWN).map((c) => c.name));
  const drawn = curves.filter((c) => c.points.length > 0);
  const legend = drawn.map((c) => ({
    name: c.name,
    label: c.score === null ? c.name : `${c.name} (${scoreName} ${c.score.toFixed(3)})`,
    colour: seriesColour(c.index),
  }));
  return (
    <figure className="chart run-chart" data-testid={`curve-${id}`} data-curves={drawn.length} aria-labelledby={`curve-${id}-title`}>
      <h4 id={`curve-${id}-title`}>{title}</h4>
      {note && <p className="muted small chart-note">{note}</p>}
      {drawn.length === 0 ? (
        <p className="muted small chart-empty">No class has a curve in this evaluation.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 380, height: 260 }}>
            <LineChart margin={{ top: 4, right: 12, bottom: 4, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
              <XAxis
                dataKey="x"
                type="number"
                domain={[0, 1]}
                ticks={UNIT_TICKS}
                tick={{ fontSize: 12 }}
                height={36}
                label={{ value: axes[0], position: "insideBottom", fontSize: 12 }}
              />
              <YAxis
                dataKey="y"
                type="number"
                domain={[0, 1]}
                ticks={UNIT_TICKS}
                tick={{ fontSize: 12 }}
                width={48}
                label={{ value: axes[1], angle: -90, position: "insideLeft", fontSize: 12, style: { textAnchor: "middle" } }}
              />
              {diagonal && <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="#b9c1cd" strokeDasharray="4 4" />}
              {drawn.map((c) => (
                <Line
                  key={c.name}
                  data={c.points}
                  dataKey="y"
                  name={c.name}
                  type="linear"
                  stroke={seriesColour(c.index)}
                  strokeWidth={2}
                  dot={c.points.length === 1 ? { r: 3 } : false}
                  hide={hidden.has(c.name)}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <SeriesLegend label={`${title} classes`} entries={legend} hidden={hidden} onToggle={toggle} />
        </>
      )}
    </figure>
  );
}
