import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { ModelFacts } from "./ModelFacts";
import { describePreset } from "./schema";
import { useTask, useTaskTitle } from "../tasks";
import type { ModelDetail, ModelMetadata } from "./types";

/** One model of the catalog: what it is, its own settings and presets, and a way to train it. */
export function ModelCard({ model }: { model: ModelMetadata }) {
  const path = `/api/v1/models/${encodeURIComponent(model.name)}`;
  const detail = useQuery({ queryKey: [path], queryFn: () => api<ModelDetail>(path) });
  const task = useTask(model.task_type);
  const title = useTaskTitle();
  const schema = detail.data?.config_schema;
  const headingId = `model-${model.name}`;
  const presets = Object.entries(schema?.presets ?? {});
  const pretrainedPresets = presets.filter(([, p]) => p.pretrained === true).map(([name]) => name);
  return (
    <article className="card models-card" aria-labelledby={headingId}>
      <header className="models-card-head">
        <h2 id={headingId}>{model.name}</h2>
        <span className={task ? `badge models-task target-${task.target}` : "badge models-task"}>{title(model.task_type)}</span>
      </header>
      <p>{model.description || <span className="muted">No description.</span>}</p>
      <ModelFacts model={model} />
      <ErrorNotice error={detail.error} title="Its settings could not be read" />
      {schema && (
        <>
          <h3>Model settings</h3>
          {schema.fields.length ? (
            <ul className="models-list">
              {schema.fields.map((f) => (
                <li key={f.name}>
                  <code>{f.name}</code> <span className="muted">(default {JSON.stringify(f.default)})</span>
                  {f.description && <span className="small muted">: {f.description}</span>}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">None beyond the platform's training settings.</p>
          )}
          <h3>Presets</h3>
          {presets.length ? (
            <ul className="models-list">
              {presets.map(([name, preset]) => (
                <li key={name}>
                  <strong>{name}</strong>: <span className="small">{describePreset(preset)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No presets: the platform defaults apply.</p>
          )}
          <p className="small muted">
            Pretrained weights:{" "}
            {pretrainedPresets.length
              ? `the ${pretrainedPresets.join(", ")} preset starts from them: a local weights file, else the published ones, fetched once (when the server allows downloads).`
              : "no preset uses them; “Start from pretrained weights” takes a local weights file, else the published ones when the model names them."}
          </p>
        </>
      )}
      <div className="models-actions">
        <Link className="button primary" to={`/runs/new?model=${encodeURIComponent(model.name)}`}>
          Train this model
        </Link>
      </div>
    </article>
  );
}
