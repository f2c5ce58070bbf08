import { useId, type ReactNode } from "react";

/**
 * A label beside (not around) its control, so the control's accessible name is the label text alone
 * (a label wrapping a select also takes in its options' text). ``children`` gets the id to use.
 */
export function Field({
  label,
  help,
  error,
  className = "",
  children,
}: {
  label: string;
  help?: ReactNode;
  error?: ReactNode;
  className?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const note = error || help ? `${id}-note` : undefined;
  return (
    <div className={`field ${error ? "invalid" : ""} ${className}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, note)}
      {error ? (
        <span id={note} className="field-error">
          {error}
        </span>
      ) : (
        help && (
          <span id={note} className="field-help">
            {help}
          </span>
        )
      )}
    </div>
  );
}
