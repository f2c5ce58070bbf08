import { errorText, request } from "../api";
import type { MaskKind } from "./colourMask";
import { MaskLayer } from "./Frame";
import { useColouredMask } from "./useColouredMask";

/** A mask PNG fetched with the token (``path``), coloured and laid over the frame's image; a mask
 * that cannot be drawn says why in the frame. */
export function FetchedMask({
  path,
  kind,
  opacity,
  layer,
}: {
  path: string;
  kind: MaskKind;
  opacity: number;
  layer?: string;
}) {
  const mask = useColouredMask(path, () => request(path).then((r) => r.blob()), kind);
  return (
    <>
      <MaskLayer url={mask.url} opacity={opacity} layer={layer} />
      {mask.error !== null && (
        <span className="image-error" title={errorText(mask.error)}>
          No mask drawn: {errorText(mask.error)}
        </span>
      )}
    </>
  );
}
