import type { TaskInfo } from "../tasks";
import type { PredictItem } from "./images";
import { PredictionTile } from "./PredictionTile";
import type { PredictResponse } from "./types";

/** The answer, a tile per image (or pair) in the order sent, with what made it and how long it took. */
export function PredictionResult({
  task,
  response,
  items,
  classes,
  threshold,
  reference,
}: {
  /** the task of the answer */
  task: TaskInfo;
  response: PredictResponse;
  items: PredictItem[];
  classes: string[] | null;
  threshold: number;
  /** the registry version predicting, if one was chosen */
  reference: string | null;
}) {
  const key = `${response.run_id}-${response.checkpoint}-${response.runtime}-${response.export?.id ?? ""}`;
  const shown = response.predictions.slice(0, items.length);
  const unit = task.inputs.length > 1 ? "pair" : "image";
  return (
    <>
      <ul className={`prediction-grid${shown.length > 1 ? " many" : ""}`} aria-label="Predictions">
        {shown.map((entry, i) => {
          const ids = items[i].map((image) => image.id).join("-");
          return (
            <PredictionTile
              key={ids}
              task={task}
              entry={entry}
              item={items[i]}
              classes={classes}
              threshold={threshold}
              responseKey={`${key}-${ids}`}
            />
          );
        })}
      </ul>
      <p className="muted small meta">
        {reference && `${reference.replace(":", " v")} · `}
        {response.export
          ? `${response.export.format} export ${response.export.id} of ${response.checkpoint}`
          : `Checkpoint ${response.checkpoint} in PyTorch`}
        , epoch {response.epoch} of run {response.run_id} · {shown.length} {unit}
        {shown.length === 1 ? "" : "s"} ·
        inference {response.timings.inference_ms.toFixed(1)} ms ·{" "}
        {response.cached ? "model already loaded" : `model loaded in ${response.timings.load_ms.toFixed(0)} ms`}
      </p>
    </>
  );
}
