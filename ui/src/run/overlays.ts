import type { MaskKind } from "../overlay/colourMask";
import { hasMasks, hasObjects, type Target } from "../tasks";

/** What is drawn over an evaluated image: its true and predicted boxes or masks, and how opaque masks are. */
export interface Overlay {
  truth: boolean;
  prediction: boolean;
  opacity: number;
}

const MASK_KINDS: Partial<Record<Target, MaskKind>> = {
  mask: "classes",
  change: "change-indices",
  instances: "objects",
};

/** How a target's record masks (``truth_mask``, ``mask``) are read; null for a target without them. */
export function maskKind(target: Target): MaskKind | null {
  return MASK_KINDS[target] ?? null;
}

/** Whether a target's records have anything to draw over their images. */
export function hasOverlay(target: Target): boolean {
  return hasObjects(target) || hasMasks(target);
}

/** What the grid starts with: both sets of boxes (dashed and solid tell them apart), the predicted
 * mask only (two masks over one image would hide each other). */
export function gridOverlay(target: Target): Overlay {
  return { truth: !hasMasks(target), prediction: true, opacity: 0.5 };
}

/** ``/images/{index}/files``: the record's image, its earlier inputs (``before``) and masks. */
export function recordFiles(base: string, index: number): string {
  return `${base}/images/${index}/files`;
}
