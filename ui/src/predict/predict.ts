import { api } from "../api";
import type { PredictItem } from "./images";
import type { PredictResponse, PredictSource } from "./types";

/** POST /runs/{id}/predict as multipart: ``files`` (change detection: ``before`` and ``after``,
 * paired in order), one prediction per item. Every detection comes back (threshold 0): the page
 * filters them with its own slider. */
export function predict(source: PredictSource, items: PredictItem[]): Promise<PredictResponse> {
  const form = new FormData();
  for (const item of items)
    if (source.task === "change_detection") {
      form.append("before", item[0].file);
      form.append("after", item[1].file);
    } else form.append("files", item[0].file);
  form.append("checkpoint", source.checkpoint);
  if (source.exportId) form.append("export", source.exportId);
  form.append("score_threshold", "0");
  return api<PredictResponse>(`/api/v1/runs/${encodeURIComponent(source.runId)}/predict`, {
    method: "POST",
    body: form,
  });
}
