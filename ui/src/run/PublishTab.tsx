import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type InputHTMLAttributes } from "react";
import { Link } from "react-router-dom";
import { post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import type { RunPublic } from "../types";
import type { ModelVersionDetail } from "../registry/types";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ALIAS = /^[a-z][a-z0-9_-]{0,63}$/;

/** A registry-safe default name: the run's name, or its model. */
function defaultName(run: RunPublic): string {
  const base = (run.name ?? run.model).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return base.slice(0, 100) || run.model;
}

/** Publish the run's best or last checkpoint to the model registry as a new version. */
export function PublishTab({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const [name, setName] = useState(() => defaultName(run));
  const [checkpoint, setCheckpoint] = useState("best");
  const [alias, setAlias] = useState("");
  const [description, setDescription] = useState("");
  const nameProblem = NAME.test(name) ? null : "letters, digits, '.', '_' and '-', starting with a letter or digit";
  const aliasProblem =
    alias === "" || (ALIAS.test(alias) && !/^(latest|v\d+)$/.test(alias))
      ? null
      : "lower-case letters, digits, '_' and '-', starting with a letter; not latest or v<N>";
  const publish = useMutation({
    mutationFn: () =>
      post<ModelVersionDetail>(`/api/v1/registry/models/${encodeURIComponent(name)}/versions`, {
        run_id: run.id,
        checkpoint,
        alias: alias || null,
        description: description.trim() || null,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.registry }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!nameProblem && !aliasProblem) publish.mutate();
  }
  const published = publish.data;

  return (
    <section aria-labelledby="publish-title">
      <h2 id="publish-title">Publish to the registry</h2>
      <form className="card publish-form" onSubmit={submit} noValidate>
        <p className="muted small">
          Copies a checkpoint of this run into the registry as the next version of a model (created if new).
        </p>
        <div className="form-grid">
          <CheckedText
            label="Model name"
            id="publish-name-help"
            value={name}
            onChange={setName}
            problem={nameProblem}
            help="an existing model gets a new version"
            required
            maxLength={100}
          />
          <label>
            Checkpoint
            <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)}>
              <option value="best">best</option>
              <option value="last">last</option>
            </select>
          </label>
          <CheckedText
            label="Alias"
            id="publish-alias-help"
            value={alias}
            onChange={setAlias}
            problem={aliasProblem}
            help="moves this alias to the new version"
            placeholder="optional, e.g. staging"
            maxLength={64}
          />
        </div>
        <label className="description">
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} maxLength={2000} />
        </label>
        <div className="toolbar form-actions">
          <button type="submit" className="primary" disabled={publish.isPending || Boolean(nameProblem || aliasProblem)}>
            Publish
          </button>
        </div>
        <ErrorNotice error={publish.error} title="Could not publish" />
        {published && (
          <p className="notice ok" role="status">
            Published <strong>{published.name}</strong> version {published.version} (epoch {published.epoch})
            {published.aliases.length > 0 && <> with alias {published.aliases.join(", ")}</>}.{" "}
            <Link to={`/registry/${encodeURIComponent(published.name)}`}>Open {published.name} in the registry</Link>
          </p>
        )}
      </form>
    </section>
  );
}

/** A text input in its label, with its problem (or else its help) under it. */
function CheckedText({
  label,
  id,
  value,
  onChange,
  problem,
  help,
  ...input
}: {
  label: string;
  /** of the note under the input */
  id: string;
  value: string;
  onChange: (value: string) => void;
  problem: string | null;
  help: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "id">) {
  return (
    <label className={problem ? "invalid" : undefined}>
      {label}
      <input
        {...input}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={Boolean(problem)}
        aria-describedby={id}
      />
      <span id={id} className={problem ? "field-error" : "field-help"}>
        {problem ?? help}
      </span>
    </label>
  );
}
