/** Shapes of the sweep answers: aliases of the generated API types (see ../types.ts), and the search
 * space's distributions, which the API declares as free objects (``tuning/space.py`` writes them). */

import type { Refined, Schemas } from "../types";

export type SweepStatus = Schemas["SweepStatus"];
export type SweepAction = Schemas["SweepSummary"]["actions"][number];
export type SweepSummary = Schemas["SweepSummary"];
export type SweepList = Schemas["SweepList"];
export type Trial = Schemas["Trial"];
export type Objective = Schemas["Objective"];
/** ``POST /sweeps``: what a new sweep asks for. */
export type SweepCreate = Schemas["SweepCreate"];

/** One parameter's distribution as the server checked it: a range of numbers or a list of choices. */
export type Distribution =
  | { type: "float" | "int"; low: number; high: number; log: boolean; step: number | null }
  | { type: "categorical"; choices: unknown[] };

/** ``GET /sweeps/{id}``: the sweep with its trials, its best trial and config, the parameters' importances. */
export type SweepPublic = Refined<"SweepPublic", { space: Record<string, Distribution> }>;

/** The actions the sweep accepts now, as the server computes them (``services/sweeps.py``). */
export function sweepActions(sweep: Pick<SweepSummary, "actions">): ReadonlySet<SweepAction> {
  return new Set(sweep.actions);
}
