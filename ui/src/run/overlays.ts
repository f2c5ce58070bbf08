/** What is drawn over an evaluated image: its true and predicted boxes or masks, and how opaque masks are. */
export interface Overlay {
  truth: boolean;
  prediction: boolean;
  opacity: number;
}

/** Tasks whose records come with masks (``truth_mask``, ``mask``). */
export const MASK_TASKS = new Set(["segmentation", "change_detection"]);

/** Whether a task's records have anything to draw over their images. */
export function hasOverlay(task: string): boolean {
  return task === "detection" || MASK_TASKS.has(task);
}

/** What the grid starts with: both sets of boxes (dashed and solid tell them apart), the predicted
 * mask only (two masks over one image would hide each other). */
export function gridOverlay(task: string): Overlay {
  return { truth: !MASK_TASKS.has(task), prediction: true, opacity: 0.5 };
}

/** ``/images/{index}/files``: the record's image, before image and masks. */
export function recordFiles(base: string, index: number): string {
  return `${base}/images/${index}/files`;
}
