import { useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { keys, useDatasets, useRegistryModels } from "../queries";
import type { TrainedModel } from "../registry/types";
import type { RunList } from "../types";
import type { PredictSource } from "./types";

/** Runs that can have checkpoints (queued ones cannot yet), newest first. */
export function usePredictableRuns() {
  return useQuery({
    queryKey: [...keys.runs, "predictable"],
    queryFn: () =>
      api<RunList>(
        `/api/v1/runs${query({ status: ["completed", "stopped", "pruned", "paused", "running", "failed"], limit: 200 })}`,
      ),
  });
}


/** ``name:3``, ``name@production`` or ``name`` (latest) → the model name and version number. */
export function resolveReference(models: TrainedModel[], reference: string): { model: TrainedModel; version: number } | null {
  const match = /^(.+?)(?:([:@])(.+))?$/.exec(reference);
  if (!match) return null;
  const model = models.find((m) => m.name === match[1]);
  if (!model) return null;
  const [, , separator, which] = match;
  const version =
    which === undefined || which === "latest"
      ? model.latest_version
      : separator === "@"
        ? model.aliases[which]
        : Number(which);
  return version && model.versions.some((v) => v.version === version) ? { model, version } : null;
}

/** The runtime select's value for the checkpoint in PyTorch; "" is automatic, anything else an export's id. */
export const TORCH = "torch";

export interface SourceChoice {
  mode: "run" | "registry";
  run: string;
  checkpoint: string;
  /** "" (automatic), {@link TORCH} or an export's id */
  export: string;
  model: string;
}

/** What the chosen run or registry version predicts with, or null while nothing (resolvable) is chosen. */
export function useSource(choice: SourceChoice): { source: PredictSource | null; problem: string | null } {
  const runs = usePredictableRuns();
  const models = useRegistryModels();
  const datasets = useDatasets();
  if (choice.mode === "registry") {
    if (!choice.model || !models.data) return { source: null, problem: null };
    const found = resolveReference(models.data, choice.model);
    if (!found) return { source: null, problem: `The registry has no version ${choice.model}.` };
    const version = found.model.versions.find((v) => v.version === found.version)!;
    if (!version.run)
      return {
        source: null,
        problem: `The run behind ${found.model.name} v${found.version} was deleted; the playground predicts through a version's run.`,
      };
    return {
      source: {
        runId: version.run_id,
        checkpoint: version.checkpoint,
        exportId: null,
        runtime: "auto",
        task: version.task,
        classes: version.classes,
        reference: `${found.model.name}:${found.version}`,
      },
      problem: null,
    };
  }
  if (!choice.run) return { source: null, problem: null };
  const run = runs.data?.items.find((r) => r.id === choice.run);
  if (!run) return { source: null, problem: runs.data ? `Run ${choice.run} cannot predict (not found, or queued).` : null };
  const dataset = datasets.data?.find((d) => d.name === run.dataset);
  return {
    source: {
      runId: run.id,
      checkpoint: choice.checkpoint || "best",
      exportId: choice.export && choice.export !== TORCH ? choice.export : null,
      runtime: choice.export === TORCH ? "torch" : "auto",
      task: run.task,
      classes: dataset?.classes ?? null,
      reference: null,
    },
    problem: null,
  };
}
