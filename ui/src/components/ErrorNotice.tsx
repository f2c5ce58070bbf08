import { ApiError, errorText } from "../api";

/** An API error in words, with the field-level reasons when the server gave them. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fields : [];
  return (
    <div className="notice error" role="alert">
      {title && <strong>{title}: </strong>}
      {errorText(error)}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.path + f.reason}>
              <code>{f.path}</code>: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
