/** The new-sweep form's texts turned into ``POST /sweeps``'s body, and the server's 422 field paths
 * (``space.lr``, ``body.pruner.median.n_startup_trials``, ``n_trials``) placed on the form's fields. */
import type { FieldError } from "../api";

export const EXAMPLE_SPACE = `{
  "lr": {"low": 0.0001, "high": 0.1, "log": true},
  "optimizer.type": {}
}`;

export const SAMPLERS = [
  ["tpe", "TPE (learns from the trials so far)"],
  ["random", "Random"],
  ["grid", "Grid (every combination of choices)"],
] as const;

export const PRUNERS = [
  ["none", "None (every trial trains to the end)"],
  ["median", "Median (below the median at an epoch)"],
  ["successive_halving", "Successive halving (ASHA)"],
  ["hyperband", "Hyperband"],
] as const;

/** The form's fields, each a place for errors. */
export type FormField =
  | "model"
  | "dataset"
  | "name"
  | "objective"
  | "config"
  | "space"
  | "n_trials"
  | "parallelism"
  | "sampler"
  | "pruner"
  | "timeout_s";

const FIELDS: readonly FormField[] = [
  "model",
  "dataset",
  "name",
  "objective",
  "config",
  "space",
  "n_trials",
  "parallelism",
  "sampler",
  "pruner",
  "timeout_s",
];

export interface FormTexts {
  model: string;
  dataset: string;
  name: string;
  metric: string;
  /** "" (the metric's usual way), maximize or minimize */
  direction: string;
  config: string;
  space: string;
  nTrials: string;
  parallelism: string;
  sampler: string;
  pruner: string;
  /** the pruner's options as a JSON object, or "" for its defaults */
  prunerOptions: string;
  timeout: string;
}

export type Placed = { byField: Partial<Record<FormField, string[]>>; general: FieldError[] };

/** A JSON object typed in a text area, or why not. */
export function parseObject(text: string, what: string): { value: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { value: value as Record<string, unknown> };
    return { error: `${what} must be a JSON object: {"key": value, …}` };
  } catch (error) {
    return { error: `${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function whole(text: string, what: string, min: number): { value: number | null } | { error: string } {
  if (!text.trim()) return { value: null };
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) return { error: `${what} must be a whole number of at least ${min}` };
  return { value };
}

/** The request body, or the fields the browser can already tell are wrong (JSON that does not parse). */
export function buildBody(texts: FormTexts): { body: Record<string, unknown> } | { errors: Placed } {
  const byField: Placed["byField"] = {};
  const config = parseObject(texts.config, "The base config");
  if ("error" in config) byField.config = [config.error];
  const space = parseObject(texts.space, "The search space");
  if ("error" in space) byField.space = [space.error];
  else if (!Object.keys(space.value).length) byField.space = ["name at least one setting to search over"];
  const options = texts.pruner === "none" ? { value: {} } : parseObject(texts.prunerOptions, "The pruner's options");
  if ("error" in options) byField.pruner = [options.error];
  const trials = whole(texts.nTrials, "The number of trials", 1);
  if ("error" in trials) byField.n_trials = [trials.error];
  const parallelism = whole(texts.parallelism, "Parallelism", 1);
  if ("error" in parallelism) byField.parallelism = [parallelism.error];
  const timeout = texts.timeout.trim() ? Number(texts.timeout) : null;
  if (timeout !== null && !(timeout > 0)) byField.timeout_s = ["a number of seconds above 0, or nothing for no limit"];
  if (Object.keys(byField).length) return { errors: { byField, general: [] } };

  const prunerOptions = "value" in options ? options.value : {};
  const body: Record<string, unknown> = {
    model: texts.model,
    dataset: texts.dataset,
    config: "value" in config ? config.value : {},
    space: "value" in space ? space.value : {},
    sampler: texts.sampler,
    pruner: Object.keys(prunerOptions).length ? { type: texts.pruner, ...prunerOptions } : texts.pruner,
    parallelism: ("value" in parallelism && parallelism.value) || 1,
  };
  if ("value" in trials && trials.value !== null) body.n_trials = trials.value;
  if (timeout !== null) body.timeout_s = timeout;
  if (texts.name.trim()) body.name = texts.name.trim();
  if (texts.metric.trim())
    body.objective = { metric: texts.metric.trim(), ...(texts.direction && { direction: texts.direction }) };
  return { body };
}

/** The server's field errors on the form's fields ("space.lr" on the space, as "lr: reason"); those that
 * name no field of the form stay general. */
export function placeErrors(fields: FieldError[]): Placed {
  const placed: Placed = { byField: {}, general: [] };
  for (const field of fields) {
    const path = field.path.replace(/^body\.?/, "");
    const [head, ...rest] = path.split(".");
    const key = FIELDS.find((f) => f === head);
    if (!key) {
      placed.general.push(field);
      continue;
    }
    const where = rest.join(".");
    (placed.byField[key] ??= []).push(where ? `${where}: ${field.reason}` : field.reason);
  }
  return placed;
}
