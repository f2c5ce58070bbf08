import { useEffect, useRef, useState } from "react";

/** A chosen image: the file, a URL to show it, and an id that tells two choices apart. */
export interface ChosenImage {
  file: File;
  url: string;
  id: number;
}

let counter = 0;

/** Image slots (one, or before/after). Object URLs are revoked once replaced, and when the page goes. */
export function useImageSlots(count: number) {
  const [slots, setSlots] = useState<(ChosenImage | null)[]>([]);
  const made = useRef(new Set<string>());
  useEffect(() => {
    const live = new Set(slots.map((s) => s?.url));
    for (const url of made.current)
      if (!live.has(url)) {
        URL.revokeObjectURL(url);
        made.current.delete(url);
      }
  }, [slots]);
  useEffect(() => {
    const urls = made.current;
    return () => {
      urls.forEach((url) => URL.revokeObjectURL(url));
      urls.clear();
    };
  }, []);
  function choose(index: number, file: File) {
    const image = { file, url: URL.createObjectURL(file), id: ++counter };
    made.current.add(image.url);
    setSlots((current) => {
      const next = [...current];
      next[index] = image;
      return next;
    });
  }
  return { slots: Array.from({ length: count }, (_, i) => slots[i] ?? null), choose };
}
