import { ChangeView } from "./ChangeView";
import { ClassificationView } from "./ClassificationView";
import { DetectionView } from "./DetectionView";
import type { ChosenImage } from "./images";
import { SegmentationView } from "./SegmentationView";
import type { PredictResponse } from "./types";

/** The answer drawn over the image(s), with what made it and how long it took. */
export function PredictionResult({
  response,
  images,
  classes,
  threshold,
  reference,
}: {
  response: PredictResponse;
  images: ChosenImage[];
  classes: string[] | null;
  threshold: number;
  /** the registry version predicting, if one was chosen */
  reference: string | null;
}) {
  const entry = response.predictions[0];
  const key = `${response.run_id}-${images.map((i) => i.id).join("-")}-${response.checkpoint}-${response.export?.id ?? ""}`;
  return (
    <>
      {response.task === "classification" && <ClassificationView entry={entry} image={images[0].url} />}
      {response.task === "detection" && <DetectionView entry={entry} image={images[0].url} threshold={threshold} />}
      {response.task === "segmentation" && (
        <SegmentationView entry={entry} image={images[0].url} classes={classes} responseKey={key} />
      )}
      {response.task === "change_detection" && (
        <ChangeView entry={entry} images={[images[0].url, images[1].url]} responseKey={key} />
      )}
      <p className="muted small meta">
        {reference && `${reference.replace(":", " v")} · `}
        {response.export
          ? `${response.export.format} export ${response.export.id}`
          : `Checkpoint ${response.checkpoint}`}
        , epoch {response.epoch} of run {response.run_id} · {entry.width}×{entry.height} px · inference{" "}
        {response.timings.inference_ms.toFixed(1)} ms ·{" "}
        {response.cached ? "model already loaded" : `model loaded in ${response.timings.load_ms.toFixed(0)} ms`}
      </p>
    </>
  );
}
