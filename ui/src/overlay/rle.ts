/** Object masks as COCO's compressed RLE (``{"size": [h, w], "counts": "<string>"}``), as instance
 * records and predict answers carry them; decoded as pycocotools' ``rleFrString`` reads them. */

export interface Rle {
  /** height, width */
  size: [number, number];
  counts: string;
}

/** The run lengths of a counts string, alternately of 0s and of 1s (0s first) down the columns. Each
 * value is 5-bit groups in characters from "0", 0x20 set on all but the last, whose 0x10 is the sign;
 * from the third on, a value is the difference from the run two before. */
export function rleCounts(counts: string): number[] {
  const runs: number[] = [];
  let position = 0;
  while (position < counts.length) {
    let value = 0;
    let group = 0;
    let more = true;
    while (more) {
      const bits = counts.charCodeAt(position) - 48;
      value += (bits & 0x1f) * 2 ** (5 * group);
      more = (bits & 0x20) !== 0;
      position += 1;
      group += 1;
      if (!more && bits & 0x10) value -= 2 ** (5 * group);
    }
    if (runs.length > 2) value += runs[runs.length - 2];
    runs.push(value);
  }
  return runs;
}

/** A mask as ``height * width`` values, 1 on the object, row by row as an image's pixels are. */
export function decodeRle({ size: [height, width], counts }: Rle): Uint8Array {
  const mask = new Uint8Array(height * width);
  let start = 0;
  rleCounts(counts).forEach((run, i) => {
    const end = Math.min(start + run, mask.length);
    if (i % 2 === 1) for (let at = start; at < end; at++) mask[(at % height) * width + Math.floor(at / height)] = 1;
    start = end;
  });
  return mask;
}
