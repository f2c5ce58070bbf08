/** Shapes of the model catalog answers used by the new-run form and the catalog: aliases of the
 * generated API types (see ../types.ts), and the JSON Schema nodes the form reads. */

import type { DatasetSummary } from "../datasets/types";
import type { Refined, Schemas } from "../types";

export type ModelMetadata = Schemas["ModelMetadata"];
export type ModelList = Schemas["ModelList"];

/** The model and dataset chosen for a new run, from the catalog's and the data roots' lists. */
export interface TargetChoice {
  models: ModelMetadata[];
  datasets: DatasetSummary[];
  model: ModelMetadata;
  dataset: DatasetSummary | undefined;
  onModel: (name: string) => void;
  onDataset: (name: string) => void;
}

/** One model-specific setting (``plugins/schema.py`` ConfigField). */
export type PluginField = Schemas["ConfigField"];

/** A JSON Schema node as pydantic writes it (only the parts the form reads). */
export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  prefixItems?: JsonSchema[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

export type Preset = Record<string, unknown>;

/** ``GET /api/v1/models/{name}/config-schema``: the run config is a JSON Schema (a free object in
 * the API), read through ``JsonSchema``. */
export type ConfigSchemaAnswer = Refined<"ModelConfigSchema", { run_config: JsonSchema }>;

export type ModelDetail = Schemas["ModelDetail"];

/** ``POST /models/{name}/validate-config`` when the config is valid (a 422 says why not). */
export type Validated = Schemas["Validated"];

/** ``POST /suggestions``: the finder to run on a new run's model, dataset and config. */
export type SuggestionCreate = Schemas["SuggestionCreate"];
/** ``GET /suggestions/{id}``: a finder's job, and once completed the rate (with its loss curve) or the batch size. */
export type Suggestion = Schemas["SuggestionPublic"];
export type SuggestionWhat = Suggestion["what"];
/** One rate the learning-rate finder tried, and the (smoothed) loss it gave. */
export type LrPoint = Schemas["LrPoint"];
