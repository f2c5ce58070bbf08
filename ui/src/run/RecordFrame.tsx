import { useState } from "react";
import { AuthImage } from "../components/AuthImage";
import { BoxLayer } from "../overlay/BoxLayer";
import { FetchedMask } from "../overlay/FetchedMask";
import { Frame } from "../overlay/Frame";
import { MASK_TASKS, type Overlay } from "./overlays";
import { predictedBoxes, truthBoxes } from "./records";
import type { ImageRecord } from "./types";

/**
 * An evaluated image as it is (``files/image``, or ``files/before``), with what ``overlay`` asks
 * for drawn over it: true boxes dashed and predicted ones solid (from ``threshold``), or the true and
 * the predicted mask. ``files`` is the record's ``/images/{index}/files`` path.
 */
export function RecordFrame({
  files,
  record,
  task,
  threshold,
  overlay,
  alt,
  part = "image",
}: {
  files: string;
  record: ImageRecord;
  task: string;
  threshold: number;
  overlay: Overlay;
  alt: string;
  part?: "image" | "before";
}) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const masks = MASK_TASKS.has(task);
  const kind = task === "change_detection" ? "change-indices" : "classes";
  const boxes = task === "detection" && size !== null;
  return (
    <Frame>
      <AuthImage src={`${files}/${part}`} alt={alt} onSize={(width, height) => setSize({ width, height })} />
      {masks && overlay.truth && (
        <FetchedMask path={`${files}/truth_mask`} kind={kind} opacity={overlay.opacity} layer="truth" />
      )}
      {masks && overlay.prediction && (
        <FetchedMask path={`${files}/mask`} kind={kind} opacity={overlay.opacity} layer="prediction" />
      )}
      {boxes && overlay.truth && <BoxLayer {...size} boxes={truthBoxes(record)} variant="truth" />}
      {boxes && overlay.prediction && (
        <BoxLayer {...size} boxes={predictedBoxes(record, threshold)} variant="prediction" />
      )}
    </Frame>
  );
}
