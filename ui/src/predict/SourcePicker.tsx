import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { useTaskTitle } from "../tasks";
import { Field } from "../components/Field";
import { useRegistryModels } from "../queries";
import { runKeys, runPath } from "../run/keys";
import { TORCH, usePredictableRuns, type SourceChoice } from "./sources";
import type { Checkpoint, ExportJob } from "../run/types";

/** Choose what predicts: a run (a checkpoint of it, or one of its exports) or a registry version. */
export function SourcePicker({
  choice,
  onChange,
}: {
  choice: SourceChoice;
  onChange: (changes: Partial<SourceChoice>) => void;
}) {
  const fromRegistry = choice.mode === "registry";
  return (
    <fieldset className="source">
      <legend>Predict with</legend>
      <div className="mode">
        <label className="inline">
          <input
            type="radio"
            name="source"
            checked={!fromRegistry}
            onChange={() => onChange({ mode: "run", model: "" })}
          />
          A training run
        </label>
        <label className="inline">
          <input
            type="radio"
            name="source"
            checked={fromRegistry}
            onChange={() => onChange({ mode: "registry", run: "", checkpoint: "", export: "" })}
          />
          A registry version
        </label>
      </div>
      {fromRegistry ? (
        <VersionSelect choice={choice} onChange={onChange} />
      ) : (
        <RunSelects choice={choice} onChange={onChange} />
      )}
    </fieldset>
  );
}

function VersionSelect({ choice, onChange }: { choice: SourceChoice; onChange: (c: Partial<SourceChoice>) => void }) {
  const models = useRegistryModels();
  const title = useTaskTitle();
  return (
    <div className="form-grid">
      <Field label="Model version" help={models.data?.length === 0 ? "Nothing is published yet." : undefined}>
        {(id, note) => (
          <select id={id} aria-describedby={note} value={choice.model} onChange={(e) => onChange({ model: e.target.value })}>
            <option value="">{models.isPending ? "Loading the registry…" : "Choose a version…"}</option>
            {models.data?.map((m) => (
              <optgroup key={m.name} label={`${m.name} (${title(m.task)}, ${m.model})`}>
                {Object.entries(m.aliases).map(([alias, version]) => (
                  <option key={alias} value={`${m.name}@${alias}`}>
                    {m.name}@{alias} (v{version})
                  </option>
                ))}
                {[...m.versions].reverse().map((v) => (
                  <option key={v.version} value={`${m.name}:${v.version}`}>
                    {m.name} v{v.version}
                    {v.version === m.latest_version ? " (latest)" : ""}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        )}
      </Field>
      <ErrorNotice error={models.error} title="The registry could not be read" />
    </div>
  );
}

function RunSelects({ choice, onChange }: { choice: SourceChoice; onChange: (c: Partial<SourceChoice>) => void }) {
  const runs = usePredictableRuns();
  const title = useTaskTitle();
  const run = choice.run;
  const checkpoints = useQuery({
    queryKey: runKeys.checkpoints(run),
    queryFn: () => api<Checkpoint[]>(runPath(run, "/checkpoints")),
    enabled: Boolean(run),
  });
  const exports = useQuery({
    queryKey: runKeys.exports(run),
    queryFn: () => api<ExportJob[]>(runPath(run, "/exports")),
    enabled: Boolean(run),
  });
  const usable = (exports.data ?? []).filter((e) => e.status === "completed");
  return (
    <>
      <div className="form-grid">
        <Field
          label="Run"
          help={runs.data?.items.length === 0 ? "No run has trained yet: start one from New run." : undefined}
        >
          {(id, note) => (
            <select
              id={id}
              aria-describedby={note}
              value={run}
              onChange={(e) => onChange({ run: e.target.value, checkpoint: "", export: "" })}
            >
              <option value="">{runs.isPending ? "Loading runs…" : "Choose a run…"}</option>
              {runs.data?.items.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name ? `${r.name} (${r.id})` : r.id} — {r.model}, {title(r.task)}, {r.status}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Checkpoint"
          error={run && checkpoints.data?.length === 0 ? "This run has no checkpoint yet." : undefined}
        >
          {(id, note) => (
            <select
              id={id}
              aria-describedby={note}
              value={choice.checkpoint || "best"}
              onChange={(e) => onChange({ checkpoint: e.target.value })}
              disabled={!run || !checkpoints.data?.length || Boolean(choice.export && choice.export !== TORCH)}
            >
              {!checkpoints.data?.length && <option value="best">best</option>}
              {checkpoints.data?.map((c) => (
                <option key={c.id} value={c.kind === "best" || c.kind === "last" ? c.kind : c.path}>
                  {c.kind} — epoch {c.epoch}
                  {c.kind !== "best" && c.kind !== "last" ? ` (${c.path})` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Runtime"
          help={
            choice.export && choice.export !== TORCH
              ? "The export predicts with its own runtime and checkpoint."
              : run &&
                `${usable.length} completed ${usable.length === 1 ? "export" : "exports"} of this run; automatic ` +
                  "takes the fastest that passed its parity check for this checkpoint"
          }
        >
          {(id, note) => (
            <select
              id={id}
              aria-describedby={note}
              value={choice.export}
              onChange={(e) => onChange({ export: e.target.value })}
              disabled={!run}
            >
              <option value="">Automatic (the fastest checked export, else PyTorch)</option>
              <option value={TORCH}>PyTorch (the checkpoint)</option>
              {usable.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.format} export {e.id}
                  {e.checkpoint_epoch !== null ? ` (epoch ${e.checkpoint_epoch})` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorNotice error={runs.error} title="The runs could not be listed" />
      <ErrorNotice error={checkpoints.error} title="The checkpoints could not be listed" />
      <ErrorNotice error={exports.error} title="The exports could not be listed" />
    </>
  );
}
