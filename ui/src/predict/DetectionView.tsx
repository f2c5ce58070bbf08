import { useMemo, useState } from "react";
import { DataTable } from "../components/DataTable";
import { BoxLayer, type DrawnBox } from "../overlay/BoxLayer";
import { Frame } from "../overlay/Frame";
import { ObjectMaskLayer } from "../overlay/ObjectMaskLayer";
import { OpacitySlider } from "../overlay/OpacitySlider";
import { cssColour } from "../overlay/palette";
import type { Rle } from "../overlay/rle";
import type { PredictionEntry } from "./types";

type Found = DrawnBox & { score: number; mask?: Rle };

/** Boxes over the image at or above ``threshold`` (with ``masks``, each object's mask filled in its box's
 * colour under them), and the same detections as a table. */
export function DetectionView({
  entry,
  image,
  threshold,
  masks = false,
}: {
  entry: PredictionEntry;
  image: string;
  threshold: number;
  masks?: boolean;
}) {
  const [opacity, setOpacity] = useState(0.5);
  const all: Found[] = useMemo(
    () =>
      (entry.boxes ?? []).map((box, i) => ({
        box,
        label: entry.class_names?.[i] ?? String(entry.labels?.[i]),
        classIndex: entry.labels?.[i] ?? 0,
        score: entry.scores?.[i] ?? 0,
        mask: entry.masks?.[i],
      })),
    [entry],
  );
  const kept = useMemo(() => all.filter((b) => b.score >= threshold).sort((a, b) => b.score - a.score), [all, threshold]);
  // lowest score first, so that a higher-scoring object's mask lies over a lower one's
  const painted = useMemo(
    () => kept.flatMap(({ mask, classIndex }) => (mask ? [{ mask, classIndex }] : [])).reverse(),
    [kept],
  );
  return (
    <div className="result-layout">
      <div>
        <Frame className="result-image">
          <img src={image} alt={entry.files[0]} />
          {masks && <ObjectMaskLayer objects={painted} width={entry.width} height={entry.height} opacity={opacity} />}
          <BoxLayer width={entry.width} height={entry.height} boxes={kept} />
        </Frame>
        {masks && <OpacitySlider value={opacity} onChange={setOpacity} />}
      </div>
      <div>
        <p className="top-label">
          <strong>
            {kept.length} {kept.length === 1 ? "object" : "objects"}
          </strong>{" "}
          <span className="muted">
            at a score of {threshold.toFixed(2)} or more ({all.length} found in all)
          </span>
        </p>
        {kept.length > 0 && (
          <div className="detections">
            <DataTable
              className="small"
              columns={[
                {
                  key: "class",
                  header: "Class",
                  cell: (b) => (
                    <>
                      <span className="swatch" style={{ background: cssColour(b.classIndex) }} aria-hidden="true" />{" "}
                      {b.label}
                    </>
                  ),
                },
                { key: "score", header: "Score", align: "num", cell: (b) => b.score.toFixed(3) },
                {
                  key: "box",
                  header: "Box (x1, y1, x2, y2)",
                  className: "mono",
                  cell: (b) => b.box.map((v) => Math.round(v)).join(", "),
                },
              ]}
              rows={kept}
              rowKey={(_, i) => i}
            />
          </div>
        )}
      </div>
    </div>
  );
}
