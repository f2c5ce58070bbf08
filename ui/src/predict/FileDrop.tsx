import { useId, useState } from "react";
import { ErrorCode, useDropzone, type Accept, type FileRejection } from "react-dropzone";
import { formatBytes } from "../format";

/** A drop zone with a real file button; one file (or several, ``multiple``), each checked for type
 * and size before ``onFiles``. */
export function FileDrop({
  label,
  button,
  hint,
  accept,
  kind,
  maxSize,
  onFiles,
  multiple = false,
  disabled,
  chosen,
}: {
  /** the accessible name of the file input */
  label: string;
  button: string;
  hint: string;
  accept: Accept;
  /** what the file must be, in words ("a .zip file") */
  kind: string;
  maxSize?: number;
  /** the accepted files, in the order given; not called when none is */
  onFiles: (files: File[]) => void;
  multiple?: boolean;
  disabled?: boolean;
  /** what was chosen last (a file's name), shown under the button */
  chosen?: string;
}) {
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    accept,
    maxSize,
    multiple,
    noClick: true,
    noKeyboard: true,
    disabled,
    onDrop: (accepted, rejected) => {
      setProblem(rejected.length ? refusal(rejected, kind, maxSize) : null);
      if (accepted.length) onFiles(accepted);
    },
  });
  return (
    <div {...getRootProps({ className: `dropzone${isDragActive ? " active" : ""}` })}>
      <input {...getInputProps({ id })} />
      <label htmlFor={id} className="drop-label">
        {label}
      </label>
      <p className="muted">{isDragActive ? "Drop it here" : hint}</p>
      <button type="button" onClick={open} disabled={disabled}>
        {button}
      </button>
      {chosen && (
        <p className="chosen-file">
          Chosen: <strong>{chosen}</strong>
        </p>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

function refusal(rejected: FileRejection[], kind: string, maxSize?: number): string {
  if (rejected.some(({ errors }) => errors.some((e) => e.code === ErrorCode.TooManyFiles))) return "Drop one file at a time.";
  return rejected.map((r) => reason(r, kind, maxSize)).join(" ");
}

function reason({ file, errors }: FileRejection, kind: string, maxSize?: number): string {
  const codes = errors.map((e) => e.code);
  if (codes.includes(ErrorCode.FileInvalidType)) return `${file.name} is not ${kind}.`;
  if (codes.includes(ErrorCode.FileTooLarge) && maxSize)
    return `${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxSize)}.`;
  return `${file.name}: ${errors.map((e) => e.message).join("; ")}`;
}
