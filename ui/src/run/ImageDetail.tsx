import { useEffect, useId, useRef, useState } from "react";
import { DataTable, type Column } from "../components/DataTable";
import { FractionInput } from "../components/FractionInput";
import { capitalised, formatMetric } from "../format";
import { ClassLegend } from "../overlay/ClassLegend";
import { hasObjects, type TaskInfo } from "../tasks";
import { OverlayControls } from "./OverlayControls";
import { hasOverlay, maskKind, recordFiles, type Overlay } from "./overlays";
import { RecordFrame } from "./RecordFrame";
import { scalarFields, truthAndPrediction } from "./records";
import type { ImageRecord, RecordBoxes } from "./types";

/** One evaluated image in a modal dialog: the image as it is, its ground truth beside its prediction
 * (drawn over it, each shown or hidden here), and the record's fields. */
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
  task: TaskInfo;
  classes: string[];
  threshold: number;
  onClose: () => void;
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [scoreThreshold, setScoreThreshold] = useState(String(threshold));
  const [overlay, setOverlay] = useState<Overlay>({ truth: true, prediction: true, opacity: 0.5 });
  const objects = hasObjects(task.target);

  // Modal (focus kept inside, Escape closes); leaving the DOM takes it out of the top layer.
  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);

  const shownThreshold = Number(scoreThreshold);
  const usable = scoreThreshold !== "" && shownThreshold >= 0 && shownThreshold <= 1;
  const drawnThreshold = usable ? shownThreshold : threshold;
  const words = record ? truthAndPrediction(record, drawnThreshold) : null;

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
      {hasOverlay(task.target) && (
        <div className="toolbar detail-controls">
          <OverlayControls target={task.target} value={overlay} onChange={setOverlay} />
          {objects && (
            <label className="inline small">
              Score threshold
              <FractionInput value={scoreThreshold} onChange={setScoreThreshold} />
              <span className="field-help">
                predicted boxes drawn from this score
                {maskKind(task.target) && `; masks from the evaluation's ${threshold}`}
              </span>
            </label>
          )}
        </div>
      )}
      <ClassLegend classes={classes} kind={maskKind(task.target)} />
      <div className="detail-body">
        {record && (
          <DetailImages
            files={recordFiles(base, index)}
            record={record}
            task={task}
            threshold={drawnThreshold}
            overlay={overlay}
          />
        )}
        {record && (
          <div className="detail-fields">
            {Array.isArray(record.probabilities) && <TopClasses record={record} classes={classes} />}
            {objects && <Detections record={record} />}
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

const HIDDEN: Overlay = { truth: false, prediction: false, opacity: 0 };

/** The image as it is (a class label), or its ground truth beside its prediction, each drawn over the
 * image (after the sample's earlier inputs, such as change detection's before image). */
function DetailImages({
  files,
  record,
  task,
  threshold,
  overlay,
}: {
  files: string;
  record: ImageRecord;
  task: TaskInfo;
  threshold: number;
  overlay: Overlay;
}) {
  const drawn = { files, record, target: task.target, threshold };
  const panel = (caption: string, shown: Overlay, part = "image") => (
    <figure key={caption}>
      <RecordFrame {...drawn} overlay={shown} part={part} alt={`Image ${record.index}: ${caption.toLowerCase()}`} />
      <figcaption className="muted small">{caption}</figcaption>
    </figure>
  );
  if (!hasOverlay(task.target)) return <div className="detail-images">{panel("The image", HIDDEN)}</div>;
  return (
    <div className="detail-images">
      {task.inputs.slice(0, -1).map((input) => panel(capitalised(input), HIDDEN, input))}
      {panel("Ground truth", { ...overlay, prediction: false })}
      {panel("Prediction", { ...overlay, truth: false })}
    </div>
  );
}

/** Class labels: the five most probable classes. */
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

const CLASS_COLUMN: Column<string> = { key: "class", header: "Class", cell: (name) => name };
/** Predicted boxes listed at the most. */
const MAX_DETECTIONS = 20;

/** Objects: the true boxes and the predicted ones with their scores. */
function Detections({ record }: { record: ImageRecord }) {
  const truth: RecordBoxes = typeof record.truth === "object" ? record.truth : {};
  const found: RecordBoxes = record.prediction ?? {};
  const matched: unknown[] = Array.isArray(record.matched) ? record.matched : [];
  const box = (b?: number[]) => (b ? b.map((v) => Math.round(v)).join(", ") : "—");
  return (
    <div className="side-by-side">
      <div>
        <h3>True boxes</h3>
        <DataTable
          className="small"
          columns={[
            CLASS_COLUMN,
            { key: "box", header: "Box", className: "mono", cell: (_, i) => box(truth.boxes?.[i]) },
          ]}
          rows={truth.class_names ?? []}
          rowKey={(_, i) => i}
        />
      </div>
      <div>
        <h3>Predicted boxes</h3>
        <DataTable
          className="small"
          columns={[
            CLASS_COLUMN,
            { key: "score", header: "Score", align: "num", cell: (_, i) => formatMetric(found.scores?.[i]) },
            { key: "match", header: "Match", cell: (_, i) => (matched[i] ? "✓" : "—") },
          ]}
          rows={(found.class_names ?? []).slice(0, MAX_DETECTIONS)}
          rowKey={(_, i) => i}
          empty="No detections"
        />
      </div>
    </div>
  );
}
