import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import type { RunPublic, Schemas } from "../types";
import { runKeys, runPath } from "./keys";
import { seriesColour } from "./MetricCharts";

type Sample = Schemas["SystemSample"];
type Point = { seconds: number } & Record<string, number | undefined>;
const GIB = 1024 ** 3;

/** The series of one chart: a name and how to read it off a sample. */
type Series = [string, (sample: Sample) => number | null | undefined][];

/** CPU, memory and (where the run has GPUs) GPU use of the run's workers over its life. */
export function SystemCharts({ run }: { run: RunPublic }) {
  const samples = useQuery({
    queryKey: runKeys.system(run.id),
    queryFn: () => api<Schemas["SystemSamples"]>(runPath(run.id, "/system")),
  });
  const list = samples.data?.samples ?? [];
  const gpus = [...new Set(list.flatMap((s) => (s.gpus ?? []).map((g) => g.index)))];
  const gpu = (index: number, read: (g: NonNullable<Sample["gpus"]>[number]) => number) => (s: Sample) => {
    const found = (s.gpus ?? []).find((g) => g.index === index);
    return found ? read(found) : undefined;
  };
  const charts: [string, string, Series][] = [
    ["cpu", "CPU %", [["worker", (s) => s.process_cpu_percent], ["host", (s) => s.host_cpu_percent]]],
    [
      "memory",
      "Memory (GiB)",
      [["worker RSS", (s) => s.process_rss_bytes / GIB], ["host used", (s) => s.host_memory_used_bytes / GIB]],
    ],
  ];
  if (gpus.length)
    charts.push([
      "gpu",
      "GPU utilisation % and memory %",
      gpus.flatMap((i): Series => [
        [`gpu ${i} util`, gpu(i, (g) => g.utilization_percent)],
        [`gpu ${i} memory`, gpu(i, (g) => (100 * g.memory_used_bytes) / g.memory_total_bytes)],
      ]),
    ]);
  return (
    <section aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <ErrorNotice error={samples.error} title="Could not load the system samples" />
      {list.length === 0 ? (
        <p className="muted small">No samples yet: the worker takes one every few seconds while it trains.</p>
      ) : (
        <div className="charts">
          {charts.map(([id, title, series]) => (
            <SystemChart key={id} id={id} title={title} samples={list} series={series} />
          ))}
        </div>
      )}
    </section>
  );
}

function SystemChart({ id, title, samples, series }: { id: string; title: string; samples: Sample[]; series: Series }) {
  const start = Date.parse(samples[0].at);
  const points: Point[] = samples.map((sample) => {
    const point: Point = { seconds: (Date.parse(sample.at) - start) / 1000 };
    for (const [name, read] of series) point[name] = read(sample) ?? undefined;
    return point;
  });
  return (
    <figure className="chart run-chart" data-testid={`system-${id}`} data-points={points.length} aria-labelledby={`system-${id}-title`}>
      <h3 id={`system-${id}-title`}>{title}</h3>
      <ResponsiveContainer width="100%" height={180} initialDimension={{ width: 380, height: 180 }}>
        <LineChart data={points} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e6e9ee" />
          <XAxis dataKey="seconds" type="number" domain={["dataMin", "dataMax"]} tick={{ fontSize: 12 }} unit=" s" />
          <YAxis type="number" width={52} tick={{ fontSize: 12 }} domain={[0, "auto"]} />
          <Tooltip
            formatter={(value) => (typeof value === "number" ? value.toFixed(1) : String(value))}
            labelFormatter={(seconds) => `${Number(seconds).toFixed(0)} s into the run`}
          />
          {series.map(([name], i) => (
            <Line key={name} type="monotone" dataKey={name} stroke={seriesColour(i)} dot={false} strokeWidth={2} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <ul className="chart-legend" aria-label={`${title} series`}>
        {series.map(([name], i) => (
          <li key={name}>
            <span className="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
            {name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
