/**
 * The catalog lists that several pages read (models, datasets, registry models, runs, sweeps), each under
 * one react-query key, so that a change made on one page refreshes the others.
 */
import { useQuery } from "@tanstack/react-query";
import { api } from "./api";
import type { DatasetSummary } from "./datasets/types";
import type { ModelList } from "./newrun/types";
import type { TrainedModel } from "./registry/types";

export const keys = {
  models: ["models"],
  datasets: ["datasets"],
  registry: ["registry"],
  /** the prefix of every list of runs */
  runs: ["runs"],
  storage: ["storage"],
  /** the prefix of every sweep query: the lists and each sweep (sweeps/queries.ts) */
  sweeps: ["sweeps"],
  /** the prefix of each suggestion polled by the new-run form (newrun/useSuggestion.ts) */
  suggestions: ["suggestions"],
  /** the tasks the server trains (tasks.ts), read once a session */
  tasks: ["tasks"],
} as const;

export function useModels() {
  return useQuery({ queryKey: keys.models, queryFn: () => api<ModelList>("/api/v1/models") });
}

export function useDatasets() {
  return useQuery({ queryKey: keys.datasets, queryFn: () => api<DatasetSummary[]>("/api/v1/datasets") });
}

export function useRegistryModels() {
  return useQuery({ queryKey: keys.registry, queryFn: () => api<TrainedModel[]>("/api/v1/registry/models") });
}
