import type { MaskKind } from "./colourMask";
import { cssColour } from "./palette";

/** The colours masks of ``kind`` are drawn in, one per class: class masks leave the first class (the
 * background) clear, objects' masks colour every class as its boxes are. Other masks have no legend. */
export function ClassLegend({ classes, kind = "classes" }: { classes: string[]; kind?: MaskKind | null }) {
  if (kind !== "classes" && kind !== "objects") return null;
  return (
    <ul className="legend" aria-label="Mask colours">
      {classes.map((name, index) =>
        kind === "classes" && index === 0 ? null : (
          <li key={name}>
            <span className="swatch" style={{ background: cssColour(index) }} aria-hidden="true" />
            {name}
          </li>
        ),
      )}
    </ul>
  );
}
