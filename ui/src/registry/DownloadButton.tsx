import { useState } from "react";
import { download } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { modelPath } from "./types";

/** Saves a version's checkpoint (fetched with the token). */
export function DownloadButton({ name, version }: { name: string; version: number }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function save() {
    setBusy(true);
    setError(null);
    try {
      await download(`${modelPath(name)}/versions/${version}/download`, `${name}-v${version}.ckpt`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={save} disabled={busy} aria-label={`Download v${version}`}>
        {busy ? "Downloading…" : "Download"}
      </button>
      <ErrorNotice error={error} title="The download failed" />
    </>
  );
}
