/** Class colours, the same as the server's (visionyard.visualize.palette), so overlays drawn here
 * and PNGs rendered there agree. */

const GOLDEN = 0.618033988749895;

export type Rgb = [number, number, number];

/** colorsys.hsv_to_rgb, as Python computes it. */
function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb: Rgb[] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  return rgb[i % 6].map((c) => Math.round(c * 255)) as Rgb;
}

export function classColour(index: number): Rgb {
  return hsvToRgb((index * GOLDEN) % 1, 0.85, 0.95);
}

export function cssColour(index: number): string {
  const [r, g, b] = classColour(index);
  return `rgb(${r}, ${g}, ${b})`;
}

/** Changed pixels in change-detection masks. */
export const CHANGE_COLOUR: Rgb = [255, 64, 129];
