import { Link } from "react-router-dom";
import { useTaskTitle } from "../tasks";
import { DatasetSelect, ModelSelect } from "./TargetSelects";
import type { ModelMetadata, Preset, TargetChoice } from "./types";

/** What to train: the model, the dataset, a preset and a name; with what the catalog says about the model. */
export function TargetCard({
  models,
  datasets,
  model,
  dataset,
  onModel,
  onDataset,
  presets,
  preset,
  onPreset,
  presetSummary,
  presetErrors,
  name,
  onName,
}: TargetChoice & {
  presets: Record<string, Preset>;
  preset: string;
  onPreset: (name: string) => void;
  presetSummary: string;
  presetErrors: string[];
  name: string;
  onName: (name: string) => void;
}) {
  const title = useTaskTitle();
  return (
    <div className="card">
      <div className="form-grid newrun-target">
        <div className="newrun-field">
          <label htmlFor="newrun-model">Model</label>
          <ModelSelect id="newrun-model" models={models} value={model.name} onChange={onModel} />
        </div>
        <div className="newrun-field">
          <label htmlFor="newrun-dataset">Dataset</label>
          <DatasetSelect
            id="newrun-dataset"
            datasets={datasets}
            model={model}
            dataset={dataset}
            onChange={onDataset}
            describedBy="newrun-dataset-help"
          />
        </div>
        <div className={`newrun-field${presetErrors.length ? " invalid" : ""}`}>
          <label htmlFor="newrun-preset">Preset</label>
          <select
            id="newrun-preset"
            value={preset}
            onChange={(e) => onPreset(e.target.value)}
            aria-describedby="newrun-preset-help"
            aria-invalid={presetErrors.length > 0 || undefined}
          >
            <option value="">None (defaults)</option>
            {Object.keys(presets).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div className="newrun-field">
          <label htmlFor="newrun-name">Run name</label>
          <input
            id="newrun-name"
            value={name}
            onChange={(e) => onName(e.target.value)}
            maxLength={200}
            placeholder="optional"
            autoComplete="off"
          />
        </div>
      </div>
      <p className="newrun-about">
        <strong>{model.name}</strong>: {model.description || "no description."}{" "}
        <span className="muted small">
          {modelLine(model, title(model.task_type))} · <Link to="/models">compare models</Link>
        </span>
      </p>
      <p id="newrun-dataset-help" className="field-help">
        {dataset
          ? `${dataset.name}: ${dataset.format} data, splits ${dataset.splits.join(", ") || "none"}; classes ${
              dataset.classes.slice(0, 8).join(", ") || "none"
            }${dataset.classes.length > 8 ? ", …" : "."}`
          : null}
      </p>
      {!dataset && (
        <p className="notice info">
          No dataset holds {title(model.task_type).toLowerCase()} data yet.{" "}
          <Link to="/datasets">Add a dataset</Link> or pick a model for another task.
        </p>
      )}
      <p id="newrun-preset-help" className="field-help">
        {preset ? presetSummary : "Presets fill in tested settings for this model; your changes apply on top."}
      </p>
      {presetErrors.map((reason) => (
        <p key={reason} className="field-error">
          {reason}
        </p>
      ))}
    </div>
  );
}

function modelLine(m: ModelMetadata, task: string): string {
  const parts = [task, m.framework];
  if (m.recommended_batch_size) parts.push(`batch size ${m.recommended_batch_size} recommended`);
  if (m.supported_image_sizes.length) parts.push(`${m.supported_image_sizes.join(", ")} px images`);
  if (m.min_gpu_memory_gb) parts.push(`${m.min_gpu_memory_gb} GB GPU or more`);
  return parts.join(" · ");
}
