import { useEffect, useRef, useState } from "react";
import { formatBytes } from "../format";

/** A chosen image: the file, a URL to show it, and an id that tells two choices apart. */
export interface ChosenImage {
  file: File;
  url: string;
  id: number;
}

let counter = 0;

/** Lists of chosen images (one list, or the before and the after ones), each replaced whole by a
 * new choice. Object URLs are revoked once replaced, and when the page goes. */
export function useImageLists(count: number) {
  const [lists, setLists] = useState<ChosenImage[][]>([]);
  const made = useRef(new Set<string>());
  useEffect(() => {
    const live = new Set(lists.flat().map((image) => image.url));
    for (const url of made.current)
      if (!live.has(url)) {
        URL.revokeObjectURL(url);
        made.current.delete(url);
      }
  }, [lists]);
  useEffect(() => {
    const urls = made.current;
    return () => {
      urls.forEach((url) => URL.revokeObjectURL(url));
      urls.clear();
    };
  }, []);
  function choose(index: number, files: File[]) {
    const images = files.map((file) => ({ file, url: URL.createObjectURL(file), id: ++counter }));
    images.forEach((image) => made.current.add(image.url));
    setLists((current) => {
      const next = [...current];
      next[index] = images;
      return next;
    });
  }
  return { lists: Array.from({ length: count }, (_, i) => lists[i] ?? []), choose };
}

/** What one prediction is asked for: an image per input of the task (``[image]``, ``[before, after]``). */
export type PredictItem = ChosenImage[];

/** The items of a request from the chosen lists, one per input (``inputs``, paired in order), or why there are none. */
export function predictItems(
  lists: ChosenImage[][],
  inputs: string[],
  most: number,
  maxBytes: number,
): { items: PredictItem[]; problem: string | null } {
  const none = (problem: string | null) => ({ items: [], problem });
  if (lists.some((list) => list.length === 0)) return none(null);
  const count = lists[0].length;
  if (lists.some((list) => list.length !== count))
    return none(
      `${lists.map((list, i) => `${list.length} ${inputs[i]}`).join(" and ")} images: they are paired in order, so choose as many of each.`,
    );
  if (count > most) return none(`${count} ${lists.length > 1 ? "pairs" : "images"}: the playground predicts up to ${most} at once.`);
  const bytes = lists.flat().reduce((sum, image) => sum + image.file.size, 0);
  if (bytes > maxBytes) return none(`The images come to ${formatBytes(bytes)}; one request may send ${formatBytes(maxBytes)}.`);
  return { items: Array.from({ length: count }, (_, i) => lists.map((list) => list[i])), problem: null };
}
