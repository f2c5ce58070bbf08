import { useId, useState } from "react";
import { ErrorCode, useDropzone, type Accept, type FileRejection } from "react-dropzone";
import { formatBytes } from "../format";

/** A drop zone with a real file button; one file, checked for type and size before ``onFile``. */
export function FileDrop({
  label,
  button,
  hint,
  accept,
  kind,
  maxSize,
  onFile,
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
  onFile: (file: File) => void;
  disabled?: boolean;
  /** the name of the file chosen last, shown under the button */
  chosen?: string;
}) {
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    accept,
    maxSize,
    multiple: false,
    noClick: true,
    noKeyboard: true,
    disabled,
    onDrop: (accepted, rejected) => {
      setProblem(rejected.length ? refusal(rejected, kind, maxSize) : null);
      if (accepted.length) onFile(accepted[0]);
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
  if (rejected.length > 1) return "Drop one file at a time.";
  const { file, errors } = rejected[0];
  const codes = errors.map((e) => e.code);
  if (codes.includes(ErrorCode.FileInvalidType)) return `${file.name} is not ${kind}.`;
  if (codes.includes(ErrorCode.FileTooLarge) && maxSize)
    return `${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxSize)}.`;
  return `${file.name}: ${errors.map((e) => e.message).join("; ")}`;
}
