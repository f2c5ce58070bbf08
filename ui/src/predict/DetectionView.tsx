import { DataTable } from "../components/DataTable";
import { BoxLayer, type DrawnBox } from "../overlay/BoxLayer";
import { Frame } from "../overlay/Frame";
import { cssColour } from "../overlay/palette";
import type { PredictionEntry } from "./types";

/** Boxes over the image at or above ``threshold``, and the same detections as a table. */
export function DetectionView({
  entry,
  image,
  threshold,
}: {
  entry: PredictionEntry;
  image: string;
  threshold: number;
}) {
  const all: DrawnBox[] = (entry.boxes ?? []).map((box, i) => ({
    box,
    label: entry.class_names?.[i] ?? String(entry.labels?.[i]),
    classIndex: entry.labels?.[i] ?? 0,
    score: entry.scores?.[i] ?? 0,
  }));
  const kept = all.filter((b) => (b.score ?? 0) >= threshold).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  return (
    <div className="result-layout">
      <Frame className="result-image">
        <img src={image} alt={entry.files[0]} />
        <BoxLayer width={entry.width} height={entry.height} boxes={kept} />
      </Frame>
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
                { key: "score", header: "Score", align: "num", cell: (b) => (b.score ?? 0).toFixed(3) },
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
