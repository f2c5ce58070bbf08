import { useState } from "react";
import { AuthImage } from "../components/AuthImage";
import { BoxLayer } from "../overlay/BoxLayer";
import { FetchedMask } from "../overlay/FetchedMask";
import { Frame } from "../overlay/Frame";
import { hasObjects, type Target } from "../tasks";
import { maskKind, type Overlay } from "./overlays";
import { predictedBoxes, truthBoxes } from "./records";
import type { ImageRecord } from "./types";

/**
 * An evaluated image as it is (``files/image``, or an earlier input such as ``files/before``), with what
 * ``overlay`` asks for drawn over it as the task's ``target`` has them: the true and the predicted mask
 * (masks, change masks, objects' masks), true boxes dashed and predicted ones solid (from ``threshold``).
 * ``files`` is the record's ``/images/{index}/files`` path.
 */
export function RecordFrame({
  files,
  record,
  target,
  threshold,
  overlay,
  alt,
  part = "image",
}: {
  files: string;
  record: ImageRecord;
  target: Target;
  threshold: number;
  overlay: Overlay;
  alt: string;
  part?: string;
}) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const kind = maskKind(target);
  const boxes = hasObjects(target) && size !== null;
  return (
    <Frame>
      <AuthImage src={`${files}/${part}`} alt={alt} onSize={(width, height) => setSize({ width, height })} />
      {kind && overlay.truth && (
        <FetchedMask path={`${files}/truth_mask`} kind={kind} opacity={overlay.opacity} layer="truth" />
      )}
      {kind && overlay.prediction && (
        <FetchedMask path={`${files}/mask`} kind={kind} opacity={overlay.opacity} layer="prediction" />
      )}
      {boxes && overlay.truth && <BoxLayer {...size} boxes={truthBoxes(record)} variant="truth" />}
      {boxes && overlay.prediction && (
        <BoxLayer {...size} boxes={predictedBoxes(record, threshold)} variant="prediction" />
      )}
    </Frame>
  );
}
