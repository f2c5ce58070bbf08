import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, post, type FieldError } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Section } from "../components/Section";
import { BaseModelSelect } from "../newrun/BaseModelSelect";
import { pickDataset, pickModel, rememberChoice } from "../newrun/choices";
import { ConfigSections } from "../newrun/ConfigSections";
import { LabelFields } from "../newrun/LabelFields";
import { recallSettings, rememberSettings } from "../newrun/memory";
import "../newrun/newrun.css";
import {
  buildSections,
  defaults,
  describePreset,
  flatten,
  parseRaw,
  placeErrors,
  presetValues,
  sameValue,
  toRaw,
  type FieldSpec,
  type Raw,
  type Values,
} from "../newrun/schema";
import { TargetCard } from "../newrun/TargetCard";
import { keys, useDatasets, useModels } from "../queries";
import { useTaskTitle } from "../tasks";
import { SuggestButton, SuggestionNote } from "../newrun/Suggest";
import {
  type ConfigSchemaAnswer,
  type SuggestionWhat,
  type TargetChoice,
} from "../newrun/types";
import { useSuggestion, type SuggestionState } from "../newrun/useSuggestion";
import { useValidation } from "../newrun/useValidation";
import { splitTags } from "../runs/tags";
import type { RunPublic } from "../types";

/** /runs/new: pick a model and a dataset (both preselected), adjust the generated settings, start. */
export function NewRunPage() {
  const [params] = useSearchParams();
  const models = useModels();
  const datasets = useDatasets();
  const title = useTaskTitle();
  const [modelChoice, setModelChoice] = useState<string | null>(params.get("model"));
  const [datasetChoice, setDatasetChoice] = useState<string | null>(params.get("dataset"));

  let body: ReactNode;
  if (models.error || datasets.error) {
    body = (
      <>
        <ErrorNotice error={models.error} title="The model catalog could not be read" />
        <ErrorNotice error={datasets.error} title="The datasets could not be read" />
      </>
    );
  } else if (!models.data || !datasets.data) {
    body = <Loading what="Loading models and datasets" />;
  } else if (!models.data.items.length) {
    body = (
      <div className="notice info">
        No model plugin is installed, so there is nothing to train. See the <Link to="/models">models page</Link>.
      </div>
    );
  } else {
    const model = pickModel(models.data.items, datasets.data, modelChoice, datasetChoice)!;
    const dataset = pickDataset(datasets.data, model, datasetChoice);
    const wantedModel = params.get("model");
    const wantedDataset = params.get("dataset");
    body = (
      <>
        {wantedModel && modelChoice === wantedModel && !models.data.items.some((m) => m.name === wantedModel) && (
          <p className="notice error">There is no model called “{wantedModel}”; pick one below.</p>
        )}
        {wantedDataset && dataset?.name !== wantedDataset && datasetChoice === wantedDataset && (
          <p className="notice error">
            {datasets.data.some((d) => d.name === wantedDataset)
              ? `${wantedDataset} holds no ${title(model.task_type).toLowerCase()} data for ${model.name}.`
              : `There is no dataset called “${wantedDataset}”.`}
          </p>
        )}
        <RunForm
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
      </>
    );
  }

  return (
    <section className="newrun">
      <h1>New training run</h1>
      {body}
    </section>
  );
}

function RunForm({ models, datasets, model, dataset, onModel, onDataset }: TargetChoice) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const schemaPath = `/api/v1/models/${encodeURIComponent(model.name)}/config-schema`;
  const schema = useQuery({ queryKey: [schemaPath], queryFn: () => api<ConfigSchemaAnswer>(schemaPath) });

  const [remembered] = useState(() => recallSettings(model.name));
  const [preset, setPreset] = useState(remembered.preset);
  const [edits, setEdits] = useState<Record<string, Raw>>(remembered.edits);
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [note, setNote] = useState("");
  const [baseModel, setBaseModel] = useState("");
  const [serveExport, setServeExport] = useState(false);
  const [showAdvanced, setShowAdvanced] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const [submitting, setSubmitting] = useState(false);

  const sections = useMemo(() => (schema.data ? buildSections(schema.data) : []), [schema.data]);
  const fields = useMemo(() => sections.flatMap((s) => s.fields), [sections]);
  const presets = schema.data?.presets ?? {};
  const activePreset = preset in presets ? preset : "";
  const fromPreset = useMemo(() => presetValues(presets[activePreset]), [presets, activePreset]);
  // the server's resolved defaults know what the schema cannot say (an image size this model supports)
  const resolved = schema.data?.defaults;
  const base: Values = useMemo(
    () => ({ ...defaults(fields), ...flatten(resolved ?? {}), ...fromPreset }),
    [fields, resolved, fromPreset],
  );

  useEffect(() => rememberSettings(model.name, { preset, edits }), [model.name, preset, edits]);

  // The user's edits, parsed; only values that differ from the default or preset are sent.
  const { config, localErrors } = useMemo(() => {
    const config: Values = {};
    const localErrors: Record<string, string[]> = {};
    for (const field of fields) {
      if (!(field.key in edits)) continue;
      const parsed = parseRaw(field, edits[field.key]);
      if (!parsed.ok) localErrors[field.key] = [parsed.error];
      else if (!sameValue(parsed.value, base[field.key])) config[field.key] = parsed.value;
    }
    return { config, localErrors };
  }, [fields, edits, base]);

  const validation = useValidation(model.name, activePreset, config, !!schema.data);
  // "Suggest" beside the learning rate and the batch size: the finder's value fills the field, still editable
  const suggestions: Record<SuggestionWhat, SuggestionState> = {
    lr: useSuggestion("lr", (value) => edit("lr", String(value))),
    batch_size: useSuggestion("batch_size", (value) => edit("batch_size", String(value))),
  };
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => post<RunPublic>("/api/v1/runs", body),
    onSuccess: (run) => {
      rememberChoice({ model: model.name, dataset: dataset?.name });
      client.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${run.id}`);
    },
  });

  const problems = distinct([
    ...(validation.result.data?.problems ?? []),
    ...(create.error instanceof ApiError ? create.error.fields : []),
    ...suggestions.lr.problems,
    ...suggestions.batch_size.problems,
  ]);
  const placed = placeErrors(problems, sections);
  const fieldErrors = { ...placed.byField, ...localErrors };
  const warnings = validation.result.data?.warnings ?? [];
  const warned = placeErrors(warnings, sections);
  const otherWarnings = [...warned.preset, ...Object.values(warned.bySection).flat(), ...warned.general];
  const changed = new Set([...Object.keys(config), ...Object.keys(localErrors)]);
  const hasProblems = problems.length > 0 || Object.keys(localErrors).length > 0;
  const statusClass = hasProblems ? "field-error" : warnings.length ? "field-warning" : "muted";

  useEffect(() => {
    if (!focusRequest) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], #newrun-problems')?.focus();
  }, [focusRequest]);

  function changeModel(next: string) {
    const saved = recallSettings(next);
    onModel(next);
    setPreset(saved.preset);
    setEdits(saved.edits);
    setBaseModel("");
    create.reset();
    forgetSuggestions();
  }

  function changeDataset(next: string) {
    onDataset(next);
    forgetSuggestions();
  }

  function forgetSuggestions() {
    suggestions.lr.reset();
    suggestions.batch_size.reset();
  }

  /** Ask the finder about the settings as the form has them: the preset's values and the user's edits. */
  function suggest(what: SuggestionWhat) {
    if (!dataset) return;
    if (Object.keys(localErrors).length) {
      setFocusRequest((n) => n + 1);
      return;
    }
    suggestions[what].ask({ model: model.name, dataset: dataset.name, config: { ...fromPreset, ...config } });
  }

  function changePreset(next: string) {
    // the preset overrides what it sets; other edits stay
    const sets = presetValues(presets[next]);
    setEdits((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !(key in sets))));
    setPreset(next);
  }

  function edit(key: string, raw: Raw) {
    setEdits((current) => ({ ...current, [key]: raw }));
    if (create.error) create.reset();
    for (const suggestion of Object.values(suggestions)) if (suggestion.problems.length) suggestion.reset();
  }

  const valueOf = (field: FieldSpec) => {
    const parsed = field.key in edits ? parseRaw(field, edits[field.key]) : null;
    return parsed?.ok ? parsed.value : base[field.key];
  };
  const displayText = (field: FieldSpec, value: unknown) =>
    field.kind === "boolean" ? (value ? "on" : "off") : String(toRaw(field, value));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!dataset || !schema.data) return;
    if (Object.keys(localErrors).length) {
      setFocusRequest((n) => n + 1);
      return;
    }
    setSubmitting(true);
    const answer = await validation.checkNow().catch(() => null); // the server checks again on create
    setSubmitting(false);
    if (answer && !answer.valid) {
      setFocusRequest((n) => n + 1);
      return;
    }
    create.mutate({
      model: model.name,
      dataset: dataset.name,
      config,
      ...(activePreset && { preset: activePreset }),
      ...(name.trim() && { name: name.trim() }),
      tags: splitTags(tags),
      ...(note.trim() && { note: note.trim() }),
      ...(baseModel && { base_model: baseModel }),
      serve_export: serveExport,
    });
  }

  const byKey = new Map(fields.map((f) => [f.key, f]));
  const batch = byKey.get("batch_size");
  const recommended = model.recommended_batch_size;
  const hints: Record<string, ReactNode> = {};
  if (batch && recommended && valueOf(batch) !== recommended)
    hints.batch_size = (
      <>
        {model.name} recommends {recommended}.{" "}
        <button type="button" className="link" onClick={() => edit("batch_size", String(recommended))}>
          Use {recommended}
        </button>
      </>
    );
  const imageSize = byKey.get("preprocessing.image_size");
  if (imageSize && model.supported_image_sizes.length)
    hints["preprocessing.image_size"] = `${model.name} supports ${model.supported_image_sizes.join(", ")}`;

  const besides: Record<string, ReactNode> = {};
  const belows: Record<string, ReactNode> = {};
  for (const what of ["lr", "batch_size"] as const) {
    if (!byKey.has(what)) continue;
    besides[what] = (
      <SuggestButton
        what={what}
        state={suggestions[what]}
        disabled={!dataset || !schema.data}
        onClick={() => suggest(what)}
      />
    );
    belows[what] = <SuggestionNote what={what} state={suggestions[what]} />;
  }

  const summary = ["epochs", "batch_size", "lr"]
    .map((key) => byKey.get(key))
    .filter((f): f is FieldSpec => !!f)
    .map((f) => `${f.label.toLowerCase()} ${displayText(f, valueOf(f))}`)
    .join(" · ");

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="newrun-form">
      <TargetCard
        models={models}
        datasets={datasets}
        model={model}
        dataset={dataset}
        onModel={changeModel}
        onDataset={changeDataset}
        presets={presets}
        preset={activePreset}
        onPreset={changePreset}
        presetSummary={activePreset ? `Preset ${activePreset} sets ${describePreset(presets[activePreset])}.` : ""}
        presetErrors={placed.preset}
        name={name}
        onName={setName}
      />
      <LabelFields tags={tags} note={note} onTags={setTags} onNote={setNote} />

      <div className="toolbar">
        <h2 className="newrun-settings-title">Settings</h2>
        <label className="inline">
          <input type="checkbox" checked={showAdvanced} onChange={(e) => setShowAdvanced(e.target.checked)} />
          Show advanced settings
        </label>
        <span className="spacer" />
        {Object.keys(edits).length > 0 && (
          <button type="button" onClick={() => setEdits({})}>
            Reset changes
          </button>
        )}
      </div>

      <ErrorNotice error={schema.error} title={`The settings of ${model.name} could not be read`} />
      {schema.isPending && <Loading what={`Loading the settings of ${model.name}`} />}
      <ConfigSections
        sections={sections}
        showAdvanced={showAdvanced}
        rawOf={(field) => (field.key in edits ? edits[field.key] : toRaw(field, base[field.key]))}
        baseTextOf={(field) => displayText(field, base[field.key])}
        presetName={activePreset}
        presetKeys={new Set(Object.keys(fromPreset))}
        onChange={edit}
        fieldErrors={fieldErrors}
        fieldWarnings={warned.byField}
        sectionErrors={placed.bySection}
        changed={changed}
        hints={hints}
        besides={besides}
        belows={belows}
      />
      {(showAdvanced || baseModel) && schema.data && (
        <Section title="Starting weights" open>
          <BaseModelSelect model={model.name} value={baseModel} onChange={setBaseModel} />
        </Section>
      )}

      <div className="newrun-actions">
        {placed.general.length > 0 && (
          <div id="newrun-problems" className="notice error" tabIndex={-1}>
            <strong>The settings do not fit together:</strong>
            <ul>
              {placed.general.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          </div>
        )}
        {otherWarnings.length > 0 && (
          <div className="notice warning">
            <strong>Valid, but:</strong>
            <ul>
              {otherWarnings.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          </div>
        )}
        <ErrorNotice error={validation.result.error} title="The settings could not be checked" />
        {create.error && !(create.error instanceof ApiError && create.error.fields.length) && (
          <ErrorNotice error={create.error} title="The run was not started" />
        )}
        <div className="newrun-serve-export">
          <label className="inline">
            <input
              type="checkbox"
              checked={serveExport}
              onChange={(e) => setServeExport(e.target.checked)}
              aria-describedby="newrun-serve-export-hint"
            />
            Export to ONNX for serving when it completes
          </label>
          <p id="newrun-serve-export-hint" className="small muted">
            The best checkpoint is exported and checked against the PyTorch model; once it passes, predictions use it.
          </p>
        </div>
        <div className="row newrun-submit">
          <p className="grow newrun-summary">
            <strong>{model.name}</strong> on <strong>{dataset?.name ?? "no dataset"}</strong>
            {activePreset && <> · preset {activePreset}</>}
            {summary && <> · {summary}</>}
            <br />
            <span role="status" aria-live="polite" className={`small ${statusClass}`}>
              {checkStatus(validation.checking, problems.length + Object.keys(localErrors).length, warnings.length)}
            </span>
          </p>
          <button
            type="submit"
            className="primary"
            disabled={!dataset || !schema.data || submitting || create.isPending}
          >
            {create.isPending ? "Starting…" : "Start training"}
          </button>
        </div>
      </div>
    </form>
  );
}

/** The same reason at the same path once, though the check, the create and a suggestion all gave it. */
function distinct(problems: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return problems.filter(({ path, reason }) => {
    const key = `${path}\n${reason}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

function checkStatus(checking: boolean, problems: number, warnings: number): string {
  if (problems) return problems === 1 ? "1 setting needs fixing." : `${problems} settings need fixing.`;
  if (checking) return "Checking the settings…";
  if (warnings) return `The settings are valid, with ${warnings === 1 ? "1 warning" : `${warnings} warnings`}.`;
  return "The settings are valid.";
}
