import { useEffect, useId, useRef, useState } from "react";
import { query } from "../api";
import { AuthImage } from "../components/AuthImage";
import { FractionInput } from "../components/FractionInput";
import { formatMetric } from "../format";
import { scalarFields, truthAndPrediction } from "./records";
import type { ImageRecord } from "./types";

const CAPTIONS: Record<string, string> = {
  classification: "The image with its true and predicted class.",
  detection: "Ground truth boxes (left) beside the predicted ones (right).",
  segmentation: "The image, its ground-truth mask and the predicted mask.",
  change_detection: "Before, after, the true change and the predicted change.",
};

/** One evaluated image in a modal dialog: ground truth beside prediction, and the record's fields. */
export function ImageDetail({
  base,
  record,
  index,
  task,
  classes,
  threshold,
  onClose,
  onPrevious,
  onNext,
}: {
  base: string;
  record: ImageRecord | null;
  index: number;
  task: string;
  classes: string[];
  threshold: number;
  onClose: () => void;
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [scoreThreshold, setScoreThreshold] = useState(String(threshold));
  const detection = task === "detection";

  // Modal (focus kept inside, Escape closes); leaving the DOM takes it out of the top layer.
  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  const shownThreshold = Number(scoreThreshold);
  const usable = scoreThreshold !== "" && shownThreshold >= 0 && shownThreshold <= 1;
  const render = `${base}/images/${index}/render${detection && usable ? query({ score_threshold: shownThreshold }) : ""}`;
  const words = record ? truthAndPrediction(record, usable ? shownThreshold : threshold) : null;

  return (
    <dialog ref={dialog} className="image-detail" aria-labelledby={`${id}-title`} onClose={onClose}>
      <div className="toolbar">
        <h2 id={`${id}-title`}>
          Image {index}
          {record && (
            <span className={`badge ${record.correct ? "status-completed" : "status-failed"}`}>
              {record.correct ? "correct" : "mistake"}
            </span>
          )}
        </h2>
        <span className="spacer" />
        <button type="button" onClick={onPrevious} disabled={!onPrevious}>
          Previous image
        </button>
        <button type="button" onClick={onNext} disabled={!onNext}>
          Next image
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      {record && <p className="mono small muted">{record.image}</p>}
      {words ? (
        <div className="side-by-side truth-prediction">
          <div className="card">
            <h3>Ground truth</h3>
            <p className="big">{words.truth}</p>
          </div>
          <div className="card">
            <h3>Prediction</h3>
            <p className="big">
              {words.prediction}
              {record?.confidence != null && <span className="muted small"> · confidence {formatMetric(record.confidence)}</span>}
            </p>
          </div>
        </div>
      ) : (
        record && (
          <p className="big">
            IoU {formatMetric(record.iou)}
            {typeof record.pixel_acc === "number" && <> · pixel accuracy {formatMetric(record.pixel_acc)}</>}
            {typeof record.f1 === "number" && <> · F1 {formatMetric(record.f1)}</>}
            <span className="muted small"> · classes present: {record.classes.join(", ") || "none"}</span>
          </p>
        )
      )}
      {detection && (
        <label className="inline small">
          Score threshold
          <FractionInput value={scoreThreshold} onChange={setScoreThreshold} />
          <span className="field-help">predicted boxes drawn from this score</span>
        </label>
      )}
      <div className="detail-body">
        <figure className="detail-render">
          <AuthImage key={render} src={render} alt={`Image ${index}: ground truth beside the prediction`} />
          <figcaption className="muted small">
            {CAPTIONS[task] ?? "Ground truth beside the prediction."}
          </figcaption>
        </figure>
        {record && (
          <div className="detail-fields">
            {Array.isArray(record.probabilities) && <TopClasses record={record} classes={classes} />}
            {detection && <Detections record={record} />}
            <h3>Fields</h3>
            <dl className="facts">
              {scalarFields(record).map(([k, v]) => (
                <div key={k} className="fact">
                  <dt>{k}</dt>
                  <dd className="mono small">{v}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </div>
    </dialog>
  );
}

/** Classification: the five most probable classes. */
function TopClasses({ record, classes }: { record: ImageRecord; classes: string[] }) {
  const probabilities = record.probabilities as number[];
  const top = probabilities
    .map((p, i) => [i, p] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  return (
    <>
      <h3>Top classes</h3>
      <ol className="top-classes">
        {top.map(([i, p]) => (
          <li key={i}>
            <span className="top-name">{classes[i] ?? `class ${i}`}</span>
            <span className="progress" aria-hidden="true">
              <span style={{ width: `${Math.round(p * 100)}%` }} />
            </span>
            <span className="mono small">{(p * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ol>
    </>
  );
}

/** Detection: the true boxes and the predicted ones with their scores. */
function Detections({ record }: { record: ImageRecord }) {
  const truth = (record.truth as { class_names?: string[]; boxes?: number[][] } | undefined) ?? {};
  const found = (record.prediction as { class_names?: string[]; scores?: number[]; boxes?: number[][] } | undefined) ?? {};
  const matched = (record.matched as boolean[] | undefined) ?? [];
  const box = (b?: number[]) => (b ? b.map((v) => Math.round(v)).join(", ") : "—");
  return (
    <div className="side-by-side">
      <div>
        <h3>True boxes</h3>
        <table className="data small">
          <thead>
            <tr>
              <th>Class</th>
              <th>Box</th>
            </tr>
          </thead>
          <tbody>
            {(truth.class_names ?? []).map((name, i) => (
              <tr key={i}>
                <td>{name}</td>
                <td className="mono">{box(truth.boxes?.[i])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        <h3>Predicted boxes</h3>
        <table className="data small">
          <thead>
            <tr>
              <th>Class</th>
              <th className="num">Score</th>
              <th>Match</th>
            </tr>
          </thead>
          <tbody>
            {!found.class_names?.length && (
              <tr>
                <td colSpan={3} className="muted">
                  No detections
                </td>
              </tr>
            )}
            {(found.class_names ?? []).slice(0, 20).map((name, i) => (
              <tr key={i}>
                <td>{name}</td>
                <td className="num">{formatMetric(found.scores?.[i])}</td>
                <td>{matched[i] ? "✓" : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
