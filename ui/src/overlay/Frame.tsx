import type { ReactNode } from "react";
import "./overlay.css";

/** An image (the first child) with layers over it that scale with it. */
export function Frame({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <div className={`frame ${className}`}>{children}</div>;
}

/** A coloured mask over the frame's image (see ``colourMask``); ``layer`` names what it shows
 * (``truth``, ``prediction``) in ``data-layer``. */
export function MaskLayer({ url, opacity = 0.5, layer }: { url: string | null; opacity?: number; layer?: string }) {
  if (!url) return null;
  return <img className="frame-layer" src={url} alt="" style={{ opacity }} data-layer={layer} />;
}
