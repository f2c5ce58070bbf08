import { useEffect, useState } from "react";
import { errorText, request } from "../api";

/** An image fetched with the token (a plain ``<img src>`` cannot send it); ``data-src`` keeps the API
 * path it came from. ``onSize`` gets its natural size once it has loaded. */
export function AuthImage({
  src,
  alt,
  className,
  onSize,
}: {
  src: string;
  alt: string;
  className?: string;
  onSize?: (width: number, height: number) => void;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let revoked = false;
    let objectUrl: string | null = null;
    setUrl(null);
    setError(null);
    request(src)
      .then((r) => r.blob())
      .then((blob) => {
        if (revoked) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch((e) => !revoked && setError(errorText(e)));
    return () => {
      revoked = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src]);
  if (error) return <div className={`image-error ${className ?? ""}`}>{error}</div>;
  if (!url) return <div className={`image-loading ${className ?? ""}`} aria-busy="true" aria-label={alt} />;
  return (
    <img
      src={url}
      alt={alt}
      className={className}
      data-src={src}
      onLoad={onSize && ((e) => onSize(e.currentTarget.naturalWidth, e.currentTarget.naturalHeight))}
    />
  );
}
