/** Shapes of the model catalog, dataset and registry answers used by the new-run form and the catalog. */

export interface ModelMetadata {
  name: string;
  version: string;
  author: string;
  framework: string;
  task_type: string;
  description: string;
  tags: string[];
  min_gpu_memory_gb: number | null;
  recommended_batch_size: number | null;
  supported_image_sizes: number[];
  input_images: number;
}

export interface ModelList {
  items: ModelMetadata[];
  broken: { name: string; source: string; error: string | null }[];
}

/** One model-specific setting (``plugins/schema.py`` ConfigField). */
export interface PluginField {
  name: string;
  type: "int" | "float" | "str" | "bool" | "select" | "multiselect";
  default: unknown;
  description: string;
  required: boolean;
  options: string[] | null;
  min: number | null;
  max: number | null;
  step: number | null;
  group: string | null;
  advanced: boolean;
}

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

/** ``GET /api/v1/models/{name}/config-schema``. */
export interface ConfigSchemaAnswer {
  fields: PluginField[];
  presets: Record<string, Preset>;
  run_config: JsonSchema;
  /** the config resolved from no user values (an image size the model supports) */
  defaults?: Record<string, unknown>;
}

export interface ModelDetail {
  metadata: ModelMetadata;
  config_schema: { fields: PluginField[]; presets: Record<string, Preset> };
}
