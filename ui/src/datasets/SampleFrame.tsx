import { errorText, request } from "../api";
import { AuthImage } from "../components/AuthImage";
import { BoxLayer, type DrawnBox } from "../predict/BoxLayer";
import type { MaskKind } from "../predict/colourMask";
import { Frame, MaskLayer } from "../predict/Frame";
import { useColouredMask } from "../predict/useColouredMask";
import { imagePath } from "./types";

/** A dataset image, with its mask drawn over it when ``maskPath`` is given and its ``boxes``
 * (in fractions of the image) when there are any. */
export function SampleFrame({
  dataset,
  path,
  alt,
  maskPath,
  kind = "classes",
  corner,
  boxes,
}: {
  dataset: string;
  path: string;
  alt: string;
  maskPath?: string | null;
  kind?: MaskKind;
  corner?: string;
  boxes?: DrawnBox[] | null;
}) {
  const mask = useColouredMask(
    maskPath ? `${dataset}/${maskPath}` : null,
    () => request(imagePath(dataset, maskPath!)).then((r) => r.blob()),
    kind,
  );
  return (
    <Frame>
      <AuthImage src={imagePath(dataset, path)} alt={alt} />
      <MaskLayer url={mask.url} opacity={0.55} />
      {boxes && boxes.length > 0 && <BoxLayer fractions boxes={boxes} />}
      {corner && <span className="corner">{corner}</span>}
      {mask.error !== null && (
        <span className="image-error" title={errorText(mask.error)}>
          No mask drawn: {errorText(mask.error)}
        </span>
      )}
    </Frame>
  );
}
