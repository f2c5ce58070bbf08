import { api } from "../api";
import type { ChosenImage } from "./images";
import type { PredictResponse, PredictSource } from "./types";

/** POST /runs/{id}/predict as multipart: ``files`` (change detection: ``before`` and ``after``).
 * Every detection comes back (threshold 0): the page filters them with its own slider. */
export function predict(source: PredictSource, images: ChosenImage[]): Promise<PredictResponse> {
  const form = new FormData();
  if (source.task === "change_detection") {
    form.append("before", images[0].file);
    form.append("after", images[1].file);
  } else form.append("files", images[0].file);
  form.append("checkpoint", source.checkpoint);
  if (source.exportId) form.append("export", source.exportId);
  form.append("score_threshold", "0");
  return api<PredictResponse>(`/api/v1/runs/${encodeURIComponent(source.runId)}/predict`, {
    method: "POST",
    body: form,
  });
}
