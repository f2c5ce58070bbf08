import { useState } from "react";
import { errorText } from "../api";
import { base64Blob } from "../overlay/colourMask";
import { Frame, MaskLayer } from "../overlay/Frame";
import { OpacitySlider } from "../overlay/OpacitySlider";
import type { PredictionEntry } from "./types";
import { useColouredMask } from "../overlay/useColouredMask";

/** Before and after side by side, the changed pixels drawn over the after image. */
export function ChangeView({
  entry,
  images,
  responseKey,
}: {
  entry: PredictionEntry;
  images: [string, string];
  responseKey: string;
}) {
  const [opacity, setOpacity] = useState(0.6);
  const mask = useColouredMask(responseKey, async () => base64Blob(entry.mask_png ?? ""), "change");
  return (
    <>
      <p className="top-label">
        <strong>{((entry.changed_fraction ?? 0) * 100).toFixed(1)}% changed</strong>{" "}
        <span className="muted">mean confidence {((entry.confidence ?? 0) * 100).toFixed(1)}%</span>
      </p>
      <div className="side-by-side">
        <figure>
          <Frame>
            <img src={images[0]} alt={`before: ${entry.files[0]}`} />
          </Frame>
          <figcaption>Before: {entry.files[0]}</figcaption>
        </figure>
        <figure>
          <Frame>
            <img src={images[1]} alt={`after: ${entry.files[1]}`} />
            <MaskLayer url={mask.url} opacity={opacity} />
          </Frame>
          <figcaption>After, changes in pink: {entry.files[1]}</figcaption>
        </figure>
      </div>
      <OpacitySlider value={opacity} onChange={setOpacity} />
      {mask.error !== null && <p className="field-error">The mask could not be drawn: {errorText(mask.error)}</p>}
    </>
  );
}
