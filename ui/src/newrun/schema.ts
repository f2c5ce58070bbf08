/**
 * The config form, generated: the run config's JSON Schema (platform settings) and the plugin's own
 * fields become flat field specs keyed by dotted path ("optimizer.type", "model.width"), grouped in sections.
 */
import type { FieldError } from "../api";
import { BASIC_KEYS, FIELD_LABELS, FIELD_UNITS, humanise, SECTION_TITLES } from "./labels";
import type { ConfigSchemaAnswer, JsonSchema, PluginField, Preset } from "./types";

export type FieldKind = "integer" | "number" | "boolean" | "enum" | "string" | "tuple" | "multiselect" | "json";

export interface FieldSpec {
  key: string;
  section: string;
  label: string;
  kind: FieldKind;
  description: string;
  unit?: string;
  defaultValue: unknown;
  nullable: boolean;
  required: boolean;
  /** enum and multiselect choices, as the server spells them */
  options: unknown[];
  min?: number;
  max?: number;
  /** the bound itself is not allowed (JSON Schema exclusiveMinimum / exclusiveMaximum) */
  exclusive?: { min: boolean; max: boolean };
  step?: number;
  /** tuple length */
  size: number;
  pattern?: string;
  advanced: boolean;
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: FieldSpec[];
}

export type Values = Record<string, unknown>;

/** Raw input state: text for typed inputs, booleans for checkboxes, string lists for multiselects. */
export type Raw = string | boolean | string[];

export function buildSections(answer: ConfigSchemaAnswer): SectionSpec[] {
  const root = answer.run_config;
  const defs = root.$defs ?? {};
  const resolve = (node: JsonSchema): JsonSchema =>
    node.$ref ? { ...defs[node.$ref.split("/").pop() ?? ""], ...node, $ref: undefined } : node;

  const training: SectionSpec = { id: "training", title: SECTION_TITLES.training, fields: [] };
  const nested: SectionSpec[] = [];

  function walk(node: JsonSchema, prefix: string, section: SectionSpec, parentDefault: unknown) {
    for (const [name, raw] of Object.entries(node.properties ?? {})) {
      const prop = resolve(raw);
      const key = prefix + name;
      const fallback = isRecord(parentDefault) ? parentDefault[name] : undefined;
      if (prop.type === "object" && prop.properties) {
        walk(prop, `${key}.`, section, prop.default ?? fallback);
      } else {
        section.fields.push(platformField(key, section.id, prop, fallback));
      }
    }
  }

  for (const [name, raw] of Object.entries(root.properties ?? {})) {
    if (name === "model") continue; // the plugin's fields describe it better
    const prop = resolve(raw);
    if (prop.type === "object" && prop.properties) {
      const section = { id: name, title: SECTION_TITLES[name] ?? humanise(name), fields: [] };
      walk(prop, `${name}.`, section, prop.default);
      nested.push(section);
    } else {
      training.fields.push(platformField(name, "training", prop, undefined));
    }
  }

  const sections = [training, ...modelSections(answer.fields), ...nested].filter((s) => s.fields.length);
  dedupeLabels(sections);
  return sections;
}

function modelSections(fields: PluginField[]): SectionSpec[] {
  const groups = new Map<string, SectionSpec>();
  for (const f of fields) {
    const group = f.group || "model";
    const id = `model:${group}`;
    if (!groups.has(id)) groups.set(id, { id, title: SECTION_TITLES[group] ?? humanise(group), fields: [] });
    const kinds: Record<PluginField["type"], FieldKind> = {
      int: "integer",
      float: "number",
      str: "string",
      bool: "boolean",
      select: "enum",
      multiselect: "multiselect",
    };
    groups.get(id)!.fields.push({
      key: `model.${f.name}`,
      section: id,
      label: humanise(f.name),
      kind: kinds[f.type],
      description: f.description,
      defaultValue: f.default ?? undefined,
      nullable: false,
      required: f.required,
      options: f.options ?? [],
      min: f.min ?? undefined,
      max: f.max ?? undefined,
      step: f.step ?? (f.type === "int" ? 1 : undefined),
      size: 0,
      advanced: f.advanced,
    });
  }
  return [...groups.values()];
}

function platformField(key: string, section: string, prop: JsonSchema, fallback: unknown): FieldSpec {
  const choices = prop.anyOf ?? [prop];
  const nullable = choices.some((c) => c.type === "null");
  const typed = choices.filter((c) => c.type !== "null");
  // one type (besides null) gives a typed input; several (a count or a list of GPU indexes) a JSON one
  const node = typed.length === 1 ? typed[0] : prop;
  const spec: FieldSpec = {
    key,
    section,
    label: FIELD_LABELS[key] ?? humanise(prop.title ?? key.split(".").pop() ?? key),
    kind: "json",
    description: prop.description ?? node.description ?? "",
    unit: FIELD_UNITS[key],
    defaultValue: "default" in prop ? prop.default : fallback,
    nullable,
    required: false,
    options: [],
    min: node.minimum ?? node.exclusiveMinimum,
    max: node.maximum ?? node.exclusiveMaximum,
    exclusive: { min: node.exclusiveMinimum !== undefined, max: node.exclusiveMaximum !== undefined },
    size: 0,
    pattern: node.pattern,
    advanced: !BASIC_KEYS.has(key),
  };
  if (node.enum || node.const !== undefined) {
    spec.kind = "enum";
    spec.options = node.enum ?? [node.const];
  } else if (node.type === "integer") {
    spec.kind = "integer";
    spec.step = 1;
  } else if (node.type === "number") {
    spec.kind = "number";
  } else if (node.type === "boolean") {
    spec.kind = "boolean";
  } else if (node.type === "string") {
    spec.kind = "string";
  } else if (node.type === "array" && node.prefixItems) {
    spec.kind = "tuple";
    spec.size = node.prefixItems.length;
  } else if (node.type === "array" && node.items?.enum) {
    spec.kind = "multiselect";
    spec.options = node.items.enum;
  }
  return spec;
}

/** Two fields with one label would be ambiguous to read and to find: prefix the section's title. */
function dedupeLabels(sections: SectionSpec[]) {
  const counts = new Map<string, number>();
  for (const f of sections.flatMap((s) => s.fields)) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  for (const s of sections)
    for (const f of s.fields) if ((counts.get(f.label) ?? 0) > 1) f.label = `${s.title} ${f.label.toLowerCase()}`;
}

/** ``{"scheduler": {"type": "cosine"}, "lr": 0.1}`` -> ``{"scheduler.type": "cosine", "lr": 0.1}``. */
export function flatten(values: Record<string, unknown>, prefix = ""): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (isRecord(value)) Object.assign(out, flatten(value, `${prefix}${key}.`));
    else out[prefix + key] = value;
  }
  return out;
}

export function defaults(fields: FieldSpec[]): Values {
  return Object.fromEntries(fields.map((f) => [f.key, f.defaultValue]));
}

export function presetValues(preset: Preset | undefined): Values {
  return preset ? flatten(preset) : {};
}

/** "Epochs 5, Learning rate 0.002, Scheduler cosine": a preset in words. */
export function describePreset(preset: Preset | undefined): string {
  return Object.entries(presetValues(preset))
    .map(([key, value]) => {
      const label = FIELD_LABELS[key] ?? humanise(key.split(".").pop() ?? key);
      if (typeof value === "boolean") return `${label} ${value ? "on" : "off"}`;
      return `${label} ${Array.isArray(value) ? value.join(", ") : String(value)}`;
    })
    .join(", ");
}

export function toRaw(field: FieldSpec, value: unknown): Raw {
  if (field.kind === "boolean") return value === true;
  if (field.kind === "multiselect") return Array.isArray(value) ? value.map(String) : [];
  if (value === null || value === undefined) return "";
  if (field.kind === "tuple" && Array.isArray(value)) return value.join(", ");
  if (field.kind === "json") return JSON.stringify(value);
  return String(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** What an input holds, as the value the server expects; or why it cannot be one. */
export function parseRaw(field: FieldSpec, raw: Raw): Parsed {
  if (typeof raw === "boolean" || Array.isArray(raw)) return { ok: true, value: raw };
  const text = raw.trim();
  if (text === "" && field.kind !== "string") {
    if (field.nullable) return { ok: true, value: null };
    return { ok: false, error: field.kind === "enum" ? "Choose a value" : "Enter a value" };
  }
  switch (field.kind) {
    case "integer": {
      const n = Number(text);
      return Number.isInteger(n) ? { ok: true, value: n } : { ok: false, error: "Enter a whole number" };
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: "Enter a number" };
    }
    case "enum":
      return { ok: true, value: field.options.find((o) => String(o) === text) ?? text };
    case "string":
      return { ok: true, value: text === "" && field.nullable ? null : raw };
    case "tuple": {
      const parts = text.split(/[\s,;]+/).filter(Boolean).map(Number);
      if (parts.length !== field.size || parts.some((n) => !Number.isFinite(n)))
        return { ok: false, error: `Enter ${field.size} numbers separated by commas` };
      return { ok: true, value: parts };
    }
    default:
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: "Enter a JSON value" };
      }
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export interface PlacedErrors {
  byField: Record<string, string[]>;
  bySection: Record<string, string[]>;
  preset: string[];
  general: string[];
}

/** Put each server problem (``config.optimizer.betas.1``) next to its field, else its section, else on top. */
export function placeErrors(problems: FieldError[], sections: SectionSpec[]): PlacedErrors {
  const placed: PlacedErrors = { byField: {}, bySection: {}, preset: [], general: [] };
  const keys = sections.flatMap((s) => s.fields.map((f) => f.key));
  const sectionIds = new Set(sections.map((s) => s.id));
  for (const { path, reason } of problems) {
    const parts = path.replace(/^config\.?/, "").split(".").filter(Boolean);
    while (parts.length && /^\d+$/.test(parts[parts.length - 1])) parts.pop();
    const key = parts.join(".");
    const named = keys.includes(key) ? key : mentionedField(keys, key, reason);
    if (named) (placed.byField[named] ??= []).push(reason);
    else if (sectionIds.has(key)) (placed.bySection[key] ??= []).push(reason);
    else if (key === "preset") placed.preset.push(reason);
    else placed.general.push(key ? `${key}: ${reason}` : reason);
  }
  return placed;
}

/**
 * A check across fields reports on their section or the whole config ("scheduler.warmup_epochs must be
 * smaller than epochs" at ``config``): the field the reason names first, under that path, carries it.
 */
function mentionedField(keys: string[], path: string, reason: string): string | undefined {
  const prefix = path ? `${path}.` : "";
  let best: { key: string; at: number } | undefined;
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = reason.search(new RegExp(`(^|[^\\w.])${key.slice(prefix.length).replace(/\./g, "\\.")}\\b`));
    if (at >= 0 && (!best || at < best.at)) best = { key, at };
  }
  return best?.key;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
