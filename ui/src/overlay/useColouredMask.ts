import { useEffect, useRef, useState } from "react";
import { colourMask, type MaskKind } from "./colourMask";

/** A mask loaded (by ``load``, again whenever ``key`` changes) and coloured; null ``key``: none. */
export function useColouredMask(
  key: string | null,
  load: () => Promise<Blob>,
  kind: MaskKind,
): { url: string | null; error: unknown } {
  const [state, setState] = useState<{ url: string | null; error: unknown }>({ url: null, error: null });
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    setState({ url: null, error: null });
    if (key === null) return;
    let cancelled = false;
    let made: string | null = null;
    loader
      .current()
      .then((blob) => colourMask(blob, kind))
      .then((url) => {
        made = url;
        if (cancelled) URL.revokeObjectURL(url);
        else setState({ url, error: null });
      })
      .catch((error) => !cancelled && setState({ url: null, error }));
    return () => {
      cancelled = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [key, kind]);
  return state;
}
