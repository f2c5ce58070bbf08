import { OpacitySlider } from "../overlay/OpacitySlider";
import { hasMasks, hasObjects, type Target } from "../tasks";
import { hasOverlay, type Overlay } from "./overlays";

/** Show or hide the true and the predicted boxes or masks (objects: both), and masks' opacity. */
export function OverlayControls({
  target,
  value,
  onChange,
}: {
  target: Target;
  value: Overlay;
  onChange: (value: Overlay) => void;
}) {
  if (!hasOverlay(target)) return null;
  const masks = hasMasks(target);
  const what = masks && hasObjects(target) ? "boxes and masks" : masks ? "masks" : "boxes";
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
      {masks && <OpacitySlider value={value.opacity} onChange={(opacity) => onChange({ ...value, opacity })} />}
    </div>
  );
}
