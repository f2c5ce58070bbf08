import { ChangeView } from "./ChangeView";
import { ClassificationView } from "./ClassificationView";
import { DetectionView } from "./DetectionView";
import type { PredictItem } from "./images";
import { SegmentationView } from "./SegmentationView";
import type { PredictionEntry } from "./types";

/** One image's (or before/after pair's) prediction, drawn the task's way. */
export function PredictionTile({
  task,
  entry,
  item,
  classes,
  threshold,
  responseKey,
}: {
  task: string;
  entry: PredictionEntry;
  item: PredictItem;
  classes: string[] | null;
  threshold: number;
  /** tells this answer's masks from another's */
  responseKey: string;
}) {
  return (
    <li className="prediction-tile" data-testid="prediction-tile">
      <p className="muted small tile-name">
        {entry.files.join(" → ")} · {entry.width}×{entry.height} px
      </p>
      {task === "classification" && <ClassificationView entry={entry} image={item[0].url} />}
      {task === "detection" && <DetectionView entry={entry} image={item[0].url} threshold={threshold} />}
      {task === "segmentation" && (
        <SegmentationView entry={entry} image={item[0].url} classes={classes} responseKey={responseKey} />
      )}
      {task === "change_detection" && <ChangeView entry={entry} images={[item[0].url, item[1].url]} responseKey={responseKey} />}
    </li>
  );
}
