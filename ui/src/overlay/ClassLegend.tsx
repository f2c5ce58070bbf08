import { cssColour } from "./palette";

/** The colours masks are drawn in, one per class (index 0, the background, is left clear). */
export function ClassLegend({ classes }: { classes: string[] }) {
  return (
    <ul className="legend" aria-label="Mask colours">
      {classes.map((name, index) =>
        index === 0 ? null : (
          <li key={name}>
            <span className="swatch" style={{ background: cssColour(index) }} aria-hidden="true" />
            {name}
          </li>
        ),
      )}
    </ul>
  );
}
