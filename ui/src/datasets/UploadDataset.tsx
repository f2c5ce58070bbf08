import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { query, upload } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatBytes } from "../format";
import { Field } from "../components/Field";
import { FileDrop } from "../predict/FileDrop";
import { useTaskTitle } from "../tasks";
import type { DatasetSummary } from "./types";

/** The server's rule for dataset names (services/datasets.py NAME_PATTERN). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A dataset name from a zip's file name: its stem with anything not allowed turned into "-". */
function nameFrom(fileName: string): string {
  return fileName
    .replace(/\.zip$/i, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 100);
}

type Phase = { kind: "idle" } | { kind: "sending"; fraction: number } | { kind: "checking" };

/** Upload a zip of a dataset folder (the raw body of POST /datasets/upload?name=...), with progress. */
export function UploadDataset({ taken, onUploaded }: { taken: string[]; onUploaded: (d: DatasetSummary) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<DatasetSummary | null>(null);
  const title = useTaskTitle();
  const busy = phase.kind !== "idle";
  const nameProblem = !name
    ? null
    : !NAME.test(name)
      ? "Letters, digits, '.', '_' and '-' only, starting with a letter or digit (at most 100)."
      : taken.includes(name)
        ? `A dataset named ${name} exists already.`
        : null;

  function choose(chosen: File) {
    setFile(chosen);
    setName(nameFrom(chosen.name));
    setError(null);
    setDone(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file || nameProblem) return;
    setError(null);
    setPhase({ kind: "sending", fraction: 0 });
    try {
      const summary = await upload<DatasetSummary>(
        `/api/v1/datasets/upload${query({ name })}`,
        file,
        (fraction) => setPhase(fraction < 1 ? { kind: "sending", fraction } : { kind: "checking" }),
        { "Content-Type": "application/zip" },
      );
      setDone(summary);
      setFile(null);
      setName("");
      onUploaded(summary);
    } catch (e) {
      setError(e);
    } finally {
      setPhase({ kind: "idle" });
    }
  }

  return (
    <section className="card upload" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a dataset</h2>
      <FileDrop
        label="Upload dataset (.zip)"
        button="Choose a zip file"
        hint="Drop a .zip of one dataset folder here: class folders (optionally under train/val/test), COCO, YOLO, mask folders or LEVIR-CD pairs."
        accept={{ "application/zip": [".zip"], "application/x-zip-compressed": [".zip"] }}
        kind="a .zip file"
        onFiles={([file]) => choose(file)}
        disabled={busy}
      />
      {file && (
        <form onSubmit={submit}>
          <p className="chosen">
            <strong>{file.name}</strong> <span className="muted">({formatBytes(file.size)})</span>
          </p>
          <Field
            label="Dataset name"
            error={nameProblem}
            help="The folder it is extracted to under the data root."
            className="name-field"
          >
            {(id, note) => (
              <input
                id={id}
                value={name}
                onChange={(e) => setName(e.target.value)}
                required
                maxLength={100}
                disabled={busy}
                aria-invalid={nameProblem ? true : undefined}
                aria-describedby={note}
              />
            )}
          </Field>
          <button type="submit" className="primary" disabled={busy || !name || !!nameProblem}>
            Start upload
          </button>
        </form>
      )}
      {phase.kind !== "idle" && <UploadProgress phase={phase} total={file?.size} />}
      <ErrorNotice error={error} title="The upload was refused" />
      {done && (
        <p className="notice ok" role="status">
          Uploaded <Link to={`/datasets/${encodeURIComponent(done.name)}`}>{done.name}</Link>:{" "}
          {done.tasks.map(title).join(" / ")} data, {done.image_count.toLocaleString()} samples in{" "}
          {done.splits.join(", ")}.
        </p>
      )}
    </section>
  );
}

function UploadProgress({ phase, total }: { phase: Phase; total?: number }) {
  const sending = phase.kind === "sending";
  const percent = sending ? Math.round(phase.fraction * 100) : 100;
  return (
    <div className="progress-row">
      <div
        className={`progress${sending ? "" : " indeterminate"}`}
        role="progressbar"
        aria-label="Upload progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={sending ? percent : undefined}
        aria-valuetext={sending ? `${percent}% sent` : "Extracting and checking"}
      >
        <span style={sending ? { width: `${percent}%` } : undefined} />
      </div>
      <span className="small" aria-live="polite">
        {sending
          ? `${percent}% of ${formatBytes(total)} sent`
          : "Sent; the server is extracting and checking the archive…"}
      </span>
    </div>
  );
}
