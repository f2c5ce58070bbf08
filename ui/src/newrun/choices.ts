/**
 * Which model and dataset the form starts with: asked for in the URL, else the last ones used, else
 * the lightest model that some dataset fits and the first dataset that fits it.
 */
import type { DatasetSummary } from "../datasets/types";
import type { ModelMetadata } from "./types";

const LAST = "visionyard.newrun.last";

interface Choice {
  model?: string;
  dataset?: string;
}

function lastChoice(): Choice {
  try {
    return JSON.parse(localStorage.getItem(LAST) ?? "{}") as Choice;
  } catch {
    return {};
  }
}

export function rememberChoice(choice: Choice) {
  localStorage.setItem(LAST, JSON.stringify(choice));
}

export function fits(dataset: DatasetSummary, model: ModelMetadata): boolean {
  return dataset.tasks.includes(model.task_type);
}

export function pickModel(
  models: ModelMetadata[],
  datasets: DatasetSummary[],
  chosen: string | null,
  wantedDataset: string | null,
): ModelMetadata | undefined {
  const exact = chosen ? models.find((m) => m.name === chosen) : undefined;
  if (exact) return exact;
  const dataset = datasets.find((d) => d.name === wantedDataset);
  const trainable = models.filter((m) => (dataset ? fits(dataset, m) : datasets.some((d) => fits(d, m))));
  const last = lastChoice().model;
  // a first run should finish soon: the lightest model (least GPU memory asked, none stated counts as least)
  const lightest = [...trainable].sort((a, b) => (a.min_gpu_memory_gb ?? 0) - (b.min_gpu_memory_gb ?? 0))[0];
  return trainable.find((m) => m.name === last) ?? lightest ?? models.find((m) => m.name === last) ?? models[0];
}

export function pickDataset(
  datasets: DatasetSummary[],
  model: ModelMetadata | undefined,
  ...preferred: (string | null | undefined)[]
): DatasetSummary | undefined {
  const fitting = model ? datasets.filter((d) => fits(d, model)) : datasets;
  for (const name of [...preferred, lastChoice().dataset]) {
    const found = fitting.find((d) => d.name === name);
    if (found) return found;
  }
  return fitting[0];
}
