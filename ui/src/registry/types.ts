/** The registry API's shapes: aliases of the generated API types (see ../types.ts). */

import type { Schemas } from "../types";

export type RunOfVersion = Schemas["RunOfVersion"];
export type ModelVersion = Schemas["ModelVersionPublic"];
export type ExportOfVersion = Schemas["ExportOfVersion"];
export type ModelVersionDetail = Schemas["ModelVersionDetail"];
export type TrainedModel = Schemas["TrainedModelPublic"];
export type AliasChange = Schemas["AliasChangePublic"];
export type BestEpoch = Schemas["BestEpoch"];

export const modelPath = (name: string) => `/api/v1/registry/models/${encodeURIComponent(name)}`;

/** "sha256:ad2cd1f7…" → "ad2cd1f7" */
export function shortFingerprint(fingerprint: string | null): string {
  if (!fingerprint) return "—";
  return fingerprint.replace(/^sha256:/, "").slice(0, 8);
}
