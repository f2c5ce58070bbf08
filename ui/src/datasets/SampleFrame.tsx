import { AuthImage } from "../components/AuthImage";
import { BoxLayer, type DrawnBox } from "../overlay/BoxLayer";
import type { MaskKind } from "../overlay/colourMask";
import { FetchedMask } from "../overlay/FetchedMask";
import { Frame } from "../overlay/Frame";
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
  return (
    <Frame>
      <AuthImage src={imagePath(dataset, path)} alt={alt} />
      {maskPath && <FetchedMask path={imagePath(dataset, maskPath)} kind={kind} opacity={0.55} />}
      {boxes && boxes.length > 0 && <BoxLayer fractions boxes={boxes} />}
      {corner && <span className="corner">{corner}</span>}
    </Frame>
  );
}
