import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Section } from "../components/Section";
import type { RunPublic } from "../types";
import { CheckpointSelect } from "./CheckpointSelect";
import { useExports } from "./jobs";
import { PendingJob } from "./PendingJob";
import { runKeys, runPath } from "./keys";
import type { ExportFormat, ExportJob, FormatOption } from "./types";

/** Options every format takes (parity tolerances, measurement sizes): shown apart from the format's own. */
const COMMON = new Set([
  "max_abs_diff",
  "min_agreement",
  "max_metric_drop",
  "parity_images",
  "score_threshold",
  "benchmark_runs",
  "throughput_batch",
]);

type Values = Record<string, string | boolean>;

/** Queue an export: a format (with its options) and a checkpoint. */
export function ExportForm({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const formats = useQuery({
    queryKey: ["export-formats"],
    queryFn: () => api<ExportFormat[]>("/api/v1/exports/formats"),
    staleTime: 60_000,
  });
  const exports = useExports(run.id);
  const [format, setFormat] = useState("");
  const [checkpoint, setCheckpoint] = useState("best");
  const [values, setValues] = useState<Values>({});
  const list = formats.data ?? [];
  const spec = list.find((f) => f.format === format) ?? list.find((f) => f.available);

  const start = useMutation({
    mutationFn: () =>
      post<ExportJob>(runPath(run.id, "/exports"), {
        format: spec!.format,
        checkpoint,
        options: chosenOptions(spec!, values),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: runKeys.exports(run.id) }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (spec) start.mutate();
  }
  const set = (name: string, value: string | boolean) => setValues((v) => ({ ...v, [name]: value }));
  const own = spec ? Object.entries(spec.options).filter(([name]) => !COMMON.has(name)) : [];
  const common = spec ? Object.entries(spec.options).filter(([name]) => COMMON.has(name)) : [];
  /** The format's parity tolerances by option name (the fallback shown for an unset one). */
  const tolerance: Partial<Record<string, number | null>> = spec?.tolerance ?? {};

  return (
    <form className="card export-form" onSubmit={submit} aria-labelledby="export-form-title">
      <h3 id="export-form-title">New export</h3>
      <ErrorNotice error={formats.error} title="Could not list the export formats" />
      {formats.isPending && <Loading what="Loading formats" />}
      {spec && (
        <>
          <div className="form-grid">
            <label>
              Format
              <select
                value={spec.format}
                onChange={(e) => {
                  setFormat(e.target.value);
                  setValues({});
                }}
              >
                {list.map((f) => (
                  <option key={f.format} value={f.format} disabled={!f.available}>
                    {f.title}
                    {f.available ? "" : " (not available here)"}
                  </option>
                ))}
              </select>
              <span className="field-help">runs with {spec.runtime}</span>
            </label>
            <CheckpointSelect runId={run.id} value={checkpoint} onChange={setCheckpoint} />
            {own.map(([name, option]) => (
              <OptionField key={`${spec.format}.${name}`} name={name} option={option} value={values[name]} onChange={set} />
            ))}
          </div>
          {list.some((f) => !f.available) && (
            <ul className="small muted unavailable">
              {list
                .filter((f) => !f.available)
                .map((f) => (
                  <li key={f.format}>
                    {f.title}: {f.reason}
                  </li>
                ))}
            </ul>
          )}
          <Section title="Parity check and benchmark options">
            <div className="form-grid">
              {common.map(([name, option]) => (
                <OptionField
                  key={`${spec.format}.${name}`}
                  name={name}
                  option={option}
                  value={values[name]}
                  onChange={set}
                  fallback={tolerance[name]}
                />
              ))}
            </div>
          </Section>
          <div className="toolbar form-actions">
            <button type="submit" className="primary" disabled={start.isPending || !spec.available}>
              Export
            </button>
            {start.isSuccess && (
              <PendingJob
                what="Export"
                id={start.data.id}
                jobs={exports.data}
                detail="it is written, checked against the PyTorch model and benchmarked"
              />
            )}
          </div>
          <ErrorNotice error={start.error} title="Could not start the export" />
        </>
      )}
    </form>
  );
}

function OptionField({
  name,
  option,
  value,
  onChange,
  fallback,
}: {
  name: string;
  option: FormatOption;
  value: string | boolean | undefined;
  onChange: (name: string, value: string | boolean) => void;
  fallback?: number | null;
}) {
  const label = name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, " ");
  const help = option.description && <span className="field-help">{option.description}</span>;
  if (option.type === "boolean")
    return (
      <div className="option-check">
        <label className="inline">
          <input
            type="checkbox"
            checked={value === undefined ? Boolean(option.default) : Boolean(value)}
            onChange={(e) => onChange(name, e.target.checked)}
          />
          {label}
        </label>
        {help}
      </div>
    );
  if (option.enum)
    return (
      <label>
        {label}
        <select value={String(value ?? option.default ?? "")} onChange={(e) => onChange(name, e.target.value)}>
          {option.enum.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        {help}
      </label>
    );
  const placeholder = option.default ?? fallback;
  return (
    <label>
      {label}
      <input
        type="number"
        step={option.type === "integer" ? 1 : "any"}
        min={0}
        placeholder={placeholder == null ? "format default" : `default ${placeholder}`}
        value={typeof value === "string" ? value : ""}
        onChange={(e) => onChange(name, e.target.value)}
      />
      {help}
    </label>
  );
}

/** The options the user set, typed for the API; unset ones are left to the format's defaults. */
function chosenOptions(spec: ExportFormat, values: Values): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const option = spec.options[name];
    if (!option || value === "") continue;
    if (typeof value === "boolean" || option.enum) options[name] = value;
    else options[name] = Number(value);
  }
  return options;
}
