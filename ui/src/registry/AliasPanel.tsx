import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, post } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { keys } from "../queries";
import { modelPath, type AliasChange, type TrainedModel } from "./types";

/** The server's rule for aliases (services/registry.py ALIAS, RESERVED_ALIAS). */
const ALIAS = /^[a-z][a-z0-9_-]{0,63}$/;
const RESERVED = /^(latest|v\d+)$/;
const SUGGESTED = ["staging", "production", "candidate", "champion"];

function aliasProblem(alias: string): string | null {
  if (!alias) return null;
  if (RESERVED.test(alias)) return "'latest' and 'v<number>' are reserved.";
  if (!ALIAS.test(alias)) return "Lowercase letters, digits, '_' and '-', starting with a letter (at most 64).";
  return null;
}

function describe(change: AliasChange): string {
  if (change.to_version === null) return `${change.alias} removed (it pointed at v${change.from_version}).`;
  if (change.from_version === null) return `${change.alias} now points at v${change.to_version}.`;
  return `${change.alias} moved from v${change.from_version} to v${change.to_version}.`;
}

/** The model's aliases: each with a remove button, and a form that sets or moves one. */
export function AliasPanel({ model }: { model: TrainedModel }) {
  const client = useQueryClient();
  const versions = [...model.versions].reverse();
  const [alias, setAlias] = useState("");
  const [version, setVersion] = useState("");
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<string | null>(null);
  const problem = aliasProblem(alias);
  const chosen = version || String(model.latest_version ?? "");
  const aliasHelp =
    alias && alias in model.aliases
      ? `${alias} points at v${model.aliases[alias]}; setting it moves it (the move is recorded).`
      : "Setting an alias that exists moves it.";

  const refresh = (change: AliasChange) => {
    setOutcome(describe(change));
    client.invalidateQueries({ queryKey: keys.registry });
    client.invalidateQueries({ queryKey: ["registry-model", model.name] });
  };
  const set = useMutation({
    mutationFn: () =>
      post<AliasChange>(
        `${modelPath(model.name)}/aliases/${encodeURIComponent(alias)}`,
        { version: Number(chosen), ...(reason.trim() ? { reason: reason.trim() } : {}) },
        "PUT",
      ),
    onSuccess: (change) => {
      refresh(change);
      setAlias("");
      setReason("");
    },
  });
  const remove = useMutation({
    mutationFn: (name: string) =>
      api<AliasChange>(`${modelPath(model.name)}/aliases/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSuccess: refresh,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!alias || problem || !chosen) return;
    setOutcome(null);
    remove.reset();
    set.mutate();
  }

  const current = Object.entries(model.aliases);
  return (
    <>
      {current.length === 0 ? (
        <p className="muted">No aliases yet. Point one at a version below; runs and deployments can then use{" "}
          <code>{model.name}@&lt;alias&gt;</code>.</p>
      ) : (
        <ul className="current-aliases">
          {current.map(([name, number]) => (
            <li key={name}>
              <span className="badge alias">{name}</span>
              <span>
                → v{number} <code className="muted small">{model.name}@{name}</code>
              </span>
              <ConfirmButton
                label={`Remove ${name}`}
                question={`Remove alias ${name} (v${number})?`}
                disabled={remove.isPending}
                onConfirm={() => {
                  setOutcome(null);
                  set.reset();
                  remove.mutate(name);
                }}
              />
            </li>
          ))}
        </ul>
      )}
      <form className="alias-form" onSubmit={submit}>
        <Field label="Alias" error={problem} help={aliasHelp}>
          {(id, note) => (
            <input
              id={id}
              value={alias}
              onChange={(e) => setAlias(e.target.value.trim())}
              list="alias-suggestions"
              placeholder="production"
              required
              maxLength={64}
              aria-invalid={problem ? true : undefined}
              aria-describedby={note}
            />
          )}
        </Field>
        <datalist id="alias-suggestions">
          {[...new Set([...Object.keys(model.aliases), ...SUGGESTED])].map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label="Version">
          {(id) => (
            <select id={id} value={chosen} onChange={(e) => setVersion(e.target.value)}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.version === model.latest_version ? " (latest)" : ""}
                  {v.aliases.length ? ` — ${v.aliases.join(", ")}` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reason" className="wide" help="Optional; kept in the alias history.">
          {(id, note) => (
            <input
              id={id}
              aria-describedby={note}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={500}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={set.isPending || !alias || !!problem}>
          Set alias
        </button>
      </form>
      <ErrorNotice error={set.error} title="The alias was not set" />
      <ErrorNotice error={remove.error} title="The alias was not removed" />
      {outcome && (
        <p className="notice ok" role="status">
          {outcome}
        </p>
      )}
    </>
  );
}
