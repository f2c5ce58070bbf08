import { useEffect, useRef } from "react";
import { classColour } from "./palette";
import { decodeRle, type Rle } from "./rle";

export interface MaskedObject {
  mask: Rle;
  /** the class's index, whose colour its box has too */
  classIndex: number;
}

/** Objects' masks filled in their classes' colours on a canvas over a ``width`` x ``height`` image, each
 * over those before it (so list them lowest score first); a mask of another size is left out. */
export function ObjectMaskLayer({
  objects,
  width,
  height,
  opacity,
}: {
  objects: MaskedObject[];
  width: number;
  height: number;
  opacity: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    const image = context.createImageData(width, height);
    for (const { mask, classIndex } of objects) {
      if (mask.size[0] !== height || mask.size[1] !== width) continue;
      const colour = [...classColour(classIndex), 255];
      decodeRle(mask).forEach((on, pixel) => on && image.data.set(colour, pixel * 4));
    }
    context.putImageData(image, 0, 0);
  }, [objects, width, height]);
  return (
    <canvas
      ref={canvas}
      className="frame-layer"
      width={width}
      height={height}
      style={{ opacity }}
      aria-hidden="true"
      data-layer="masks"
    />
  );
}
