import { OpacitySlider } from "../overlay/OpacitySlider";
import { hasOverlay, MASK_TASKS, type Overlay } from "./overlays";

/** Show or hide the true and the predicted boxes or masks, and (masks) their opacity. */
export function OverlayControls({
  task,
  value,
  onChange,
}: {
  task: string;
  value: Overlay;
  onChange: (value: Overlay) => void;
}) {
  if (!hasOverlay(task)) return null;
  const what = MASK_TASKS.has(task) ? "masks" : "boxes";
  return (
    <div className="overlay-controls" role="group" aria-label="Drawn over the images">
      <label className="inline">
        <input type="checkbox" checked={value.truth} onChange={(e) => onChange({ ...value, truth: e.target.checked })} />
        Show true {what}
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={value.prediction}
          onChange={(e) => onChange({ ...value, prediction: e.target.checked })}
        />
        Show predicted {what}
      </label>
      {what === "masks" && <OpacitySlider value={value.opacity} onChange={(opacity) => onChange({ ...value, opacity })} />}
    </div>
  );
}
