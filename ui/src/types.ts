/** Shapes of the API's answers used across pages: aliases of the types generated from the API's
 * OpenAPI document (`ui/openapi.json` → `src/generated/api.d.ts`, `make api-types`). */

import type { components } from "../generated/api";

/** Every schema of the API by its name, as the server declares it. */
export type Schemas = components["schemas"];

/** A schema with some of its fields typed closer than the API declares them (a free object's
 * fields that the UI reads): ``Refined<"RecordPage", { items: ImageRecord[] }>``. */
export type Refined<Name extends keyof Schemas, Fields> = Omit<Schemas[Name], keyof Fields> & Fields;

/** Something training found wrong and went on with (``engine/health.py``). */
export type TrainingWarning = Schemas["TrainingWarning"];
export type RunStatus = Schemas["RunStatus"];
export type RunAction = NonNullable<Schemas["RunSummary"]["actions"]>[number];
export type RunSummary = Schemas["RunSummary"];
export type RunPublic = Schemas["RunPublic"];

/** A page of runs (``items``, ``total``, ``limit``, ``offset``). */
export type RunList = Schemas["RunList"];

/** ``GET /storage``: bytes on disk per area and per run. */
export type StorageUsage = Schemas["StorageUsage"];

/** The actions a run accepts now, as the server computes them (``core/lifecycle.py``). */
export function runActions(run: Pick<RunSummary, "actions">): ReadonlySet<RunAction> {
  return new Set(run.actions ?? []);
}

/** ``PATCH /runs/{id}``: the labels to change (a name, all the tags, a note); those left out stay. */
export type RunLabels = Schemas["RunLabels"];

/** ``GET /runs/compare``: the runs side by side, their configs key by key and every epoch's metrics. */
export type RunComparison = Schemas["RunComparison"];
export type ComparedRun = Schemas["ComparedRun"];
/** One config key of the compared runs: a value per run (null where a run has none) and whether they differ. */
export type ConfigRow = Schemas["ConfigRow"];
