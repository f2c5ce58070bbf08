import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { HistogramGroup } from "./curves";
import { seriesColour } from "./MetricCharts";

const edge = (value: number) => String(Number(value.toFixed(3)));

/** The counts of one quantity over its bins, a bar per series side by side. */
export function HistogramChart({ group, unit }: { group: HistogramGroup; unit: string }) {
  const { id, title, note, series, bins, total } = group;
  const domain: [number, number] = bins.length ? [bins[0].from, bins[bins.length - 1].to] : [0, 1];
  return (
    <figure className="chart run-chart" data-testid={`histogram-${id}`} data-count={total} aria-labelledby={`histogram-${id}-title`}>
      <h4 id={`histogram-${id}-title`}>{title}</h4>
      {note && <p className="muted small chart-note">{note}</p>}
      {total === 0 ? (
        <p className="muted small chart-empty">Nothing to count in this evaluation.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={228} initialDimension={{ width: 380, height: 228 }}>
            <BarChart data={bins} margin={{ top: 4, right: 12, bottom: 0, left: 0 }} barGap={0} barCategoryGap={1}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" vertical={false} />
              <XAxis dataKey="centre" type="number" domain={domain} tickCount={6} tickFormatter={edge} tick={{ fontSize: 12 }} />
              <YAxis type="number" allowDecimals={false} width={48} tick={{ fontSize: 12 }} />
              <Tooltip
                labelFormatter={(_, payload) => {
                  const bin = payload?.[0]?.payload as HistogramGroup["bins"][number] | undefined;
                  return bin ? `${edge(bin.from)} to ${edge(bin.to)}` : "";
                }}
                formatter={(value, name) => [`${value} ${unit}`, name]}
              />
              {series.map((s, i) => (
                <Bar key={s.key} dataKey={s.key} name={s.label} fill={seriesColour(i)} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
          {series.length > 1 && (
            <ul className="chart-legend" aria-label={`${title} series`}>
              {series.map((s, i) => (
                <li key={s.key}>
                  <span className="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
                  {s.label}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </figure>
  );
}
