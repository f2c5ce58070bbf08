import { useState } from "react";
import { download } from "../api";
import { ErrorNotice } from "./ErrorNotice";

/** Saves ``path`` (fetched with the token) as the server names it, else as ``fileName``. */
export function DownloadButton({ path, fileName, label }: { path: string; fileName: string; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function save() {
    setBusy(true);
    setError(null);
    try {
      await download(path, fileName);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={save} disabled={busy} aria-label={label}>
        {busy ? "Downloading…" : "Download"}
      </button>
      <ErrorNotice error={error} title="The download failed" />
    </>
  );
}
