import { useState } from "react";
import { errorText } from "../api";
import { DataTable } from "../components/DataTable";
import { base64Blob } from "../overlay/colourMask";
import { Frame, MaskLayer } from "../overlay/Frame";
import { OpacitySlider } from "../overlay/OpacitySlider";
import { cssColour } from "../overlay/palette";
import type { PredictionEntry } from "./types";
import { useColouredMask } from "../overlay/useColouredMask";

/** The class mask over the image, with how much of the image each class covers. */
export function SegmentationView({
  entry,
  image,
  classes,
  responseKey,
}: {
  entry: PredictionEntry;
  image: string;
  classes: string[] | null;
  responseKey: string;
}) {
  const [opacity, setOpacity] = useState(0.55);
  const mask = useColouredMask(responseKey, async () => base64Blob(entry.mask_png ?? ""), "classes");
  const fractions = Object.entries(entry.class_fractions ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <div className="result-layout">
      <div>
        <Frame className="result-image">
          <img src={image} alt={entry.files[0]} />
          <MaskLayer url={mask.url} opacity={opacity} />
        </Frame>
        <OpacitySlider value={opacity} onChange={setOpacity} />
        {mask.error !== null && <p className="field-error">The mask could not be drawn: {errorText(mask.error)}</p>}
      </div>
      <div>
        <p className="top-label">
          <strong>{fractions.filter(([name]) => name !== classes?.[0]).map(([name]) => name).join(", ") || "background only"}</strong>{" "}
          <span className="muted">mean confidence {((entry.confidence ?? 0) * 100).toFixed(1)}%</span>
        </p>
        <DataTable
          className="small"
          columns={[
            {
              key: "class",
              header: "Class",
              cell: ([name]) => {
                const index = classes?.indexOf(name) ?? -1;
                return (
                  <>
                    {index > 0 && <span className="swatch" style={{ background: cssColour(index) }} aria-hidden="true" />}{" "}
                    {name}
                    {index === 0 && <span className="muted"> (not coloured)</span>}
                  </>
                );
              },
            },
            { key: "share", header: "Share of the image", align: "num", cell: ([, share]) => `${(share * 100).toFixed(1)}%` },
          ]}
          rows={fractions}
          rowKey={([name]) => name}
        />
      </div>
    </div>
  );
}
