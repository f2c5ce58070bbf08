import type { TaskInfo } from "../tasks";
import { ChangeView } from "./ChangeView";
import { ClassificationView } from "./ClassificationView";
import { DetectionView } from "./DetectionView";
import type { PredictItem } from "./images";
import { SegmentationView } from "./SegmentationView";
import type { PredictionEntry } from "./types";

/** One image's (or before/after pair's) prediction, drawn as its task's target is. */
export function PredictionTile({
  task,
  entry,
  item,
  classes,
  threshold,
  responseKey,
}: {
  task: TaskInfo;
  entry: PredictionEntry;
  item: PredictItem;
  classes: string[] | null;
  threshold: number;
  /** tells this answer's masks from another's */
  responseKey: string;
}) {
  const image = item[item.length - 1].url;
  return (
    <li className="prediction-tile" data-testid="prediction-tile">
      <p className="muted small tile-name">
        {entry.files.join(" → ")} · {entry.width}×{entry.height} px
      </p>
      {task.target === "label" && <ClassificationView entry={entry} image={image} />}
      {task.target === "boxes" && <DetectionView entry={entry} image={image} threshold={threshold} />}
      {task.target === "instances" && <DetectionView entry={entry} image={image} threshold={threshold} masks />}
      {task.target === "mask" && (
        <SegmentationView entry={entry} image={image} classes={classes} responseKey={responseKey} />
      )}
      {task.target === "change" && <ChangeView entry={entry} images={[item[0].url, image]} responseKey={responseKey} />}
    </li>
  );
}
