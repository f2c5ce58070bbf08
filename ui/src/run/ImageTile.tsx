import { formatMetric } from "../format";
import type { Target } from "../tasks";
import { recordFiles, type Overlay } from "./overlays";
import { RecordFrame } from "./RecordFrame";
import { recordLabel, truthAndPrediction } from "./records";
import type { ImageRecord } from "./types";

/** One image of the grid, undrawn but for the overlay asked for, with its truth and prediction under it. */
export function ImageTile({
  base,
  record,
  target,
  threshold,
  overlay,
  onOpen,
}: {
  base: string;
  record: ImageRecord;
  target: Target;
  threshold: number;
  overlay: Overlay;
  onOpen: () => void;
}) {
  return (
    <li>
      <figure className={record.correct ? "right" : "wrong"}>
        <button
          type="button"
          className="tile"
          data-index={record.index}
          aria-label={recordLabel(record, threshold)}
          onClick={onOpen}
        >
          <RecordFrame
            files={recordFiles(base, record.index)}
            record={record}
            target={target}
            threshold={threshold}
            overlay={overlay}
            alt=""
          />
        </button>
        <RecordCaption record={record} threshold={threshold} />
      </figure>
    </li>
  );
}

/** Correct or not, the truth, and the prediction with its confidence (masks: the image's IoU). */
function RecordCaption({ record, threshold }: { record: ImageRecord; threshold: number }) {
  const words = truthAndPrediction(record, threshold);
  const score = record.confidence === null ? "no score" : record.confidence.toFixed(2);
  return (
    <figcaption>
      <span className={record.correct ? "verdict ok" : "verdict bad"}>{record.correct ? "✓ correct" : "✗ mistake"}</span>
      {words ? (
        <>
          <span className="caption-line" title="ground truth">
            <span className="muted">truth</span> {words.truth}
          </span>
          <span className="caption-line" title="prediction">
            <span className="muted">predicted</span> {words.prediction} <span className="muted">· {score}</span>
          </span>
        </>
      ) : (
        <span className="caption-line">
          IoU {formatMetric(record.iou)} <span className="muted">· {score}</span>
        </span>
      )}
    </figcaption>
  );
}
