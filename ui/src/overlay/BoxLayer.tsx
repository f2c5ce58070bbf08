import { cssColour } from "./palette";

export interface DrawnBox {
  /** x1, y1, x2, y2 in pixels of the original image (in fractions 0..1 of it for a ``fractions`` layer) */
  box: number[];
  label: string;
  classIndex: number;
  score?: number;
}

/** Pixel boxes over an image of ``width`` x ``height``, or ``fractions`` of an image of any size. */
type Extent = { width: number; height: number; fractions?: false } | { fractions: true };

/** Label text in CSS pixels on a ``fractions`` layer (its boxes are placed in percentages). */
const FRACTION_FONT = 11;

/** Ground-truth boxes are drawn dashed, predicted (and unqualified) ones solid. */
export type BoxVariant = "truth" | "prediction";

/** Boxes drawn over a frame, each a ``g.frame-box`` named "<label> box" (with its score, if any);
 * ``variant`` is also the layer's ``data-layer``. */
export function BoxLayer({ boxes, variant, ...extent }: { boxes: DrawnBox[]; variant?: BoxVariant } & Extent) {
  if (extent.fractions) return <FractionBoxes boxes={boxes} />;
  const { width, height } = extent;
  // about 13 px at the frame's usual 640 px width
  const font = Math.max(width, height) / 50;
  return (
    <svg
      className="frame-layer"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      aria-hidden="true"
      data-layer={variant}
    >
      {boxes.map((b, i) => {
        const [x1, y1, x2, y2] = b.box;
        const colour = cssColour(b.classIndex);
        const text = boxText(b);
        const above = y1 - font * 1.3 >= 0;
        const ty = above ? y1 - font * 1.3 : y1;
        return (
          <g key={i} className="frame-box" data-class={b.label} role="img" aria-label={`${text} box`}>
            <rect
              x={x1}
              y={y1}
              width={Math.max(0, x2 - x1)}
              height={Math.max(0, y2 - y1)}
              fill="none"
              stroke={colour}
              strokeWidth={2}
              strokeDasharray={variant === "truth" ? "5 3" : undefined}
              vectorEffect="non-scaling-stroke"
            />
            <rect x={x1} y={ty} width={text.length * font * 0.62 + font * 0.4} height={font * 1.3} fill={colour} />
            <text x={x1 + font * 0.2} y={ty + font} fontSize={font} fill="#fff">
              {text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function boxText(b: DrawnBox): string {
  return b.score === undefined ? b.label : `${b.label} ${b.score.toFixed(2)}`;
}

const percent = (v: number) => `${v * 100}%`;

/** Boxes placed in percentages of the frame, so the image's size is not needed; each label sits
 * inside its box's top-left corner at a fixed text size (the frame's height in pixels is unknown,
 * so whether it would fit above the box is too). */
function FractionBoxes({ boxes }: { boxes: DrawnBox[] }) {
  const font = FRACTION_FONT;
  return (
    <svg className="frame-layer" role="group" aria-label={`${boxes.length} ${boxes.length === 1 ? "box" : "boxes"}`}>
      {boxes.map((b, i) => {
        const [x1, y1, x2, y2] = b.box;
        const colour = cssColour(b.classIndex);
        const text = boxText(b);
        return (
          <g key={i} className="frame-box" data-class={b.label} role="img" aria-label={`${text} box`}>
            <rect
              x={percent(x1)}
              y={percent(y1)}
              width={percent(Math.max(0, x2 - x1))}
              height={percent(Math.max(0, y2 - y1))}
              fill="none"
              stroke={colour}
              strokeWidth={2}
            />
            <svg x={percent(x1)} y={percent(y1)} overflow="visible">
              <rect width={text.length * font * 0.62 + font * 0.4} height={font * 1.3} fill={colour} />
              <text x={font * 0.2} y={font} fontSize={font} fill="#fff">
                {text}
              </text>
            </svg>
          </g>
        );
      })}
    </svg>
  );
}
