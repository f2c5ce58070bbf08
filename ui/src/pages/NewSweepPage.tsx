import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { ApiError, post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import type { DatasetSummary } from "../datasets/types";
import { pickDataset, pickModel } from "../newrun/choices";
import "../newrun/newrun.css";
import { DatasetSelect, ModelSelect } from "../newrun/TargetSelects";
import type { ModelMetadata } from "../newrun/types";
import { keys, useDatasets, useModels } from "../queries";
import { useTaskTitle } from "../tasks";
import {
  buildBody,
  EXAMPLE_SPACE,
  placeErrors,
  PRUNERS,
  SAMPLERS,
  type FormField,
  type FormTexts,
  type Placed,
} from "../sweeps/form";
import { sweepPage } from "../sweeps/queries";
import "../sweeps/sweeps.css";
import type { SweepPublic } from "../sweeps/types";

/** /sweeps/new: a model and a dataset (the new-run form's pickers), the base config and the search space as
 * JSON, the trials, parallelism, sampler and pruner; the server's field errors inline; on success, the
 * sweep's page. */
export function NewSweepPage() {
  const [params] = useSearchParams();
  const models = useModels();
  const datasets = useDatasets();
  const [modelChoice, setModelChoice] = useState<string | null>(params.get("model"));
  const [datasetChoice, setDatasetChoice] = useState<string | null>(params.get("dataset"));

  let body: ReactNode;
  if (models.error || datasets.error)
    body = (
      <>
        <ErrorNotice error={models.error} title="The model catalog could not be read" />
        <ErrorNotice error={datasets.error} title="The datasets could not be read" />
      </>
    );
  else if (!models.data || !datasets.data) body = <Loading what="Loading models and datasets" />;
  else if (!models.data.items.length)
    body = (
      <div className="notice info">
        No model plugin is installed, so there is nothing to train. See the <Link to="/models">models page</Link>.
      </div>
    );
  else {
    const model = pickModel(models.data.items, datasets.data, modelChoice, datasetChoice)!;
    const dataset = pickDataset(datasets.data, model, datasetChoice);
    body = (
      <SweepForm
        models={models.data.items}
        datasets={datasets.data}
        model={model}
        dataset={dataset}
        onModel={setModelChoice}
        onDataset={(name) => {
          setDatasetChoice(name);
          setModelChoice(model.name);
        }}
      />
    );
  }
  return (
    <section className="new-sweep">
      <div className="toolbar">
        <h1>New sweep</h1>
        <span className="spacer" />
        <Link to="/sweeps">All sweeps</Link>
      </div>
      {body}
    </section>
  );
}

function SweepForm({
  models,
  datasets,
  model,
  dataset,
  onModel,
  onDataset,
}: {
  models: ModelMetadata[];
  datasets: DatasetSummary[];
  model: ModelMetadata;
  dataset: DatasetSummary | undefined;
  onModel: (name: string) => void;
  onDataset: (name: string) => void;
}) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const title = useTaskTitle();
  const [texts, setTexts] = useState<Omit<FormTexts, "model" | "dataset">>({
    name: "",
    metric: "",
    direction: "",
    config: "{}",
    space: EXAMPLE_SPACE,
    nTrials: "",
    parallelism: "1",
    sampler: "tpe",
    pruner: "none",
    prunerOptions: "",
    timeout: "",
  });
  const [local, setLocal] = useState<Placed | null>(null);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => post<SweepPublic>("/api/v1/sweeps", body),
    onSuccess: (sweep) => {
      client.invalidateQueries({ queryKey: keys.sweeps });
      client.invalidateQueries({ queryKey: keys.runs });
      navigate(sweepPage(sweep.id));
    },
  });
  const server = create.error instanceof ApiError && create.error.status === 422 ? placeErrors(create.error.fields) : null;
  const placed = local ?? server;
  const errorOf = (field: FormField) => {
    const reasons = placed?.byField[field];
    return reasons?.length ? reasons.join("; ") : undefined;
  };

  function set<K extends keyof typeof texts>(key: K, value: (typeof texts)[K]) {
    setTexts((current) => ({ ...current, [key]: value }));
    setLocal(null);
    if (create.error) create.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!dataset) return;
    const built = buildBody({ ...texts, model: model.name, dataset: dataset.name });
    if ("errors" in built) {
      setLocal(built.errors);
      return;
    }
    setLocal(null);
    create.mutate(built.body);
  }

  const unplaced = create.error && (!server || server.general.length > 0 || !Object.keys(server.byField).length);

  return (
    <form className="sweep-form" onSubmit={submit} noValidate>
      <div className="card">
        <h2 className="sweep-form-title">What to train</h2>
        <div className="form-grid">
          <Field label="Model" error={errorOf("model")}>
            {(id) => (
              <ModelSelect
                id={id}
                models={models}
                value={model.name}
                onChange={(name) => {
                  onModel(name);
                  if (create.error) create.reset();
                }}
              />
            )}
          </Field>
          <Field
            label="Dataset"
            error={errorOf("dataset")}
            help={dataset ? undefined : `No dataset holds ${title(model.task_type).toLowerCase()} data yet.`}
          >
            {(id, note) => (
              <DatasetSelect id={id} datasets={datasets} model={model} dataset={dataset} onChange={onDataset} describedBy={note} />
            )}
          </Field>
          <Field label="Sweep name" error={errorOf("name")}>
            {(id, note) => (
              <input
                id={id}
                value={texts.name}
                maxLength={200}
                placeholder="optional"
                autoComplete="off"
                aria-describedby={note}
                onChange={(e) => set("name", e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="form-grid sweep-objective">
          <Field
            label="Objective metric"
            error={errorOf("objective")}
            help="an epoch metric; empty: the task's headline metric"
          >
            {(id, note) => (
              <input
                id={id}
                value={texts.metric}
                maxLength={100}
                placeholder="val_acc"
                autoComplete="off"
                aria-describedby={note}
                aria-invalid={!!errorOf("objective") || undefined}
                onChange={(e) => set("metric", e.target.value)}
              />
            )}
          </Field>
          <Field label="Direction" help="a loss is minimized, another metric maximized">
            {(id, note) => (
              <select
                id={id}
                value={texts.metric.trim() ? texts.direction : ""}
                disabled={!texts.metric.trim()}
                aria-describedby={note}
                onChange={(e) => set("direction", e.target.value)}
              >
                <option value="">The metric's usual way</option>
                <option value="maximize">Maximize</option>
                <option value="minimize">Minimize</option>
              </select>
            )}
          </Field>
        </div>
      </div>

      <div className="card">
        <h2 className="sweep-form-title">What to search</h2>
        <div className="sweep-texts">
          <Field
            label="Search space (JSON)"
            error={errorOf("space")}
            help={
              <>
                a dotted setting → <code>{'{"low", "high", "log", "step"}'}</code>, <code>{'{"choices": [...]}'}</code> or{" "}
                <code>{"{}"}</code> for the setting's own bounds or options
              </>
            }
          >
            {(id, note) => (
              <textarea
                id={id}
                className="mono"
                rows={8}
                spellCheck={false}
                value={texts.space}
                aria-describedby={note}
                aria-invalid={!!errorOf("space") || undefined}
                onChange={(e) => set("space", e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Base config (JSON)"
            error={errorOf("config")}
            help={
              <>
                the settings every trial shares, e.g. <code>{'{"epochs": 10, "batch_size": 32}'}</code>; the rest are the
                model's defaults
              </>
            }
          >
            {(id, note) => (
              <textarea
                id={id}
                className="mono"
                rows={8}
                spellCheck={false}
                value={texts.config}
                aria-describedby={note}
                aria-invalid={!!errorOf("config") || undefined}
                onChange={(e) => set("config", e.target.value)}
              />
            )}
          </Field>
        </div>
      </div>

      <div className="card">
        <h2 className="sweep-form-title">How to search</h2>
        <div className="form-grid">
          <Field label="Trials" error={errorOf("n_trials")} help="empty: 20, or every point of a grid">
            {(id, note) => (
              <input
                id={id}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                placeholder="20"
                value={texts.nTrials}
                aria-describedby={note}
                aria-invalid={!!errorOf("n_trials") || undefined}
                onChange={(e) => set("nTrials", e.target.value)}
              />
            )}
          </Field>
          <Field label="Parallelism" error={errorOf("parallelism")} help="trials training at once">
            {(id, note) => (
              <input
                id={id}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                value={texts.parallelism}
                aria-describedby={note}
                aria-invalid={!!errorOf("parallelism") || undefined}
                onChange={(e) => set("parallelism", e.target.value)}
              />
            )}
          </Field>
          <Field label="Sampler" error={errorOf("sampler")}>
            {(id, note) => (
              <select id={id} value={texts.sampler} aria-describedby={note} onChange={(e) => set("sampler", e.target.value)}>
                {SAMPLERS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Pruner" error={errorOf("pruner")}>
            {(id, note) => (
              <select id={id} value={texts.pruner} aria-describedby={note} onChange={(e) => set("pruner", e.target.value)}>
                {PRUNERS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {texts.pruner !== "none" && (
            <Field label="Pruner options (JSON)" help='optional, e.g. {"n_startup_trials": 5}'>
              {(id, note) => (
                <input
                  id={id}
                  className="mono"
                  value={texts.prunerOptions}
                  placeholder="{}"
                  autoComplete="off"
                  spellCheck={false}
                  aria-describedby={note}
                  onChange={(e) => set("prunerOptions", e.target.value)}
                />
              )}
            </Field>
          )}
          <Field label="Time limit (s)" error={errorOf("timeout_s")} help="no trial starts after it; empty: none">
            {(id, note) => (
              <input
                id={id}
                type="number"
                min={1}
                inputMode="numeric"
                value={texts.timeout}
                aria-describedby={note}
                aria-invalid={!!errorOf("timeout_s") || undefined}
                onChange={(e) => set("timeout", e.target.value)}
              />
            )}
          </Field>
        </div>
      </div>

      <div className="toolbar sweep-form-actions">
        <p className="grow sweep-form-summary">
          <strong>{model.name}</strong> on <strong>{dataset?.name ?? "no dataset"}</strong>
        </p>
        <button type="submit" className="primary" disabled={!dataset || create.isPending}>
          {create.isPending ? "Starting…" : "Start sweep"}
        </button>
      </div>
      {placed && Object.keys(placed.byField).length > 0 && (
        <p className="notice error" role="alert">
          The sweep was not started: {Object.keys(placed.byField).length === 1 ? "a field needs" : "some fields need"} fixing
          (marked above).
        </p>
      )}
      {unplaced && (
        <ErrorNotice
          error={server ? new ApiError(422, "invalid", create.error.message, server.general) : create.error}
          title="The sweep was not started"
        />
      )}
    </form>
  );
}
