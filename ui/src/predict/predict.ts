import { api } from "../api";
import type { PredictItem } from "./images";
import type { PredictResponse, PredictSource } from "./types";

/** POST /runs/{id}/predict as multipart, one prediction per item: ``files``, or for a task of several
 * ``inputs`` a field per input (change detection: ``before`` and ``after``, paired in order). Every
 * detection comes back (threshold 0): the page filters them with its own slider. */
export function predict(source: PredictSource, inputs: string[], items: PredictItem[]): Promise<PredictResponse> {
  const form = new FormData();
  for (const item of items)
    if (inputs.length > 1) inputs.forEach((input, i) => form.append(input, item[i].file));
    else form.append("files", item[0].file);
  form.append("checkpoint", source.checkpoint);
  if (source.exportId) form.append("export", source.exportId);
  else form.append("runtime", source.runtime);
  form.append("score_threshold", "0");
  return api<PredictResponse>(`/api/v1/runs/${encodeURIComponent(source.runId)}/predict`, {
    method: "POST",
    body: form,
  });
}
