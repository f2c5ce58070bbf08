import { CHANGE_COLOUR, classColour } from "./palette";

/**
 * How to read a mask image: ``classes``, class indices (0 background, 255 ignored); ``change``, any
 * pixel that is not 0 changed (a dataset's 0/255 labels, a prediction's 0/1 mask); ``change-indices``,
 * an evaluation's change mask (0 unchanged, 1 changed, 255 ignored); ``objects``, an evaluation's
 * painted objects (class index + 1, 0 nothing), each in the colour of its class's boxes.
 */
export type MaskKind = "classes" | "change" | "change-indices" | "objects";

const IGNORE = 255;

/**
 * A single-band mask PNG turned into a transparent RGBA image: each class in its colour,
 * background and ignored pixels clear. A palette PNG arrives decoded to colours by the browser;
 * its colours are kept (black stays clear). Answers an object URL the caller revokes.
 */
export async function colourMask(blob: Blob, kind: MaskKind): Promise<string> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error("this browser cannot draw masks (no 2D canvas)");
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  const pixels = image.data;
  const colours = new Map<number, [number, number, number]>();
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
    if (r !== g || g !== b) continue; // a palette colour: keep it
    const value = r;
    if (value === 0 || ((kind === "classes" || kind === "change-indices") && value === IGNORE)) {
      pixels[i + 3] = 0;
      continue;
    }
    let colour = colours.get(value);
    if (!colour) {
      colour = kind === "classes" ? classColour(value) : kind === "objects" ? classColour(value - 1) : CHANGE_COLOUR;
      colours.set(value, colour);
    }
    [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]] = [...colour, 255];
  }
  context.putImageData(image, 0, 0);
  const coloured = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!coloured) throw new Error("the mask could not be drawn");
  return URL.createObjectURL(coloured);
}

export function base64Blob(data: string, type = "image/png"): Blob {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}
