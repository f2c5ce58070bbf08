import type { ReactNode } from "react";
import type { FieldSpec, Raw } from "./schema";

/**
 * One config field: a label with the field's human name, an input by its type (``id`` and ``name``
 * ``cfg-<dotted.key>``), its description, default and range, the server's reasons when invalid and
 * its warnings when valid but not what the model was made for.
 */
export function FieldInput({
  field,
  raw,
  onChange,
  errors,
  warnings,
  changed,
  baseText,
  presetName,
  hint,
  beside,
  below,
}: {
  field: FieldSpec;
  raw: Raw;
  onChange: (raw: Raw) => void;
  errors: string[];
  warnings: string[];
  changed: boolean;
  /** the value without the user's edit: the default or the preset's */
  baseText: string;
  /** set when the base value comes from this preset rather than the default */
  presetName?: string;
  hint?: ReactNode;
  /** beside the input: a button that fills it ("Suggest") */
  beside?: ReactNode;
  /** under the field's help and reasons: what that button found */
  below?: ReactNode;
}) {
  const id = `cfg-${field.key}`;
  const invalid = errors.length > 0;
  const warned = warnings.length > 0;
  const describedBy = `${id}-help${invalid ? ` ${id}-error` : ""}${warned ? ` ${id}-warning` : ""}`;
  const common = {
    id,
    name: id,
    "aria-invalid": invalid || undefined,
    "aria-describedby": describedBy,
    "aria-required": field.required || undefined,
  };

  let control: ReactNode;
  if (field.kind === "boolean") {
    control = (
      <label className="inline" htmlFor={id}>
        <input type="checkbox" {...common} checked={raw === true} onChange={(e) => onChange(e.target.checked)} />
        {field.label}
      </label>
    );
  } else if (field.kind === "multiselect") {
    const chosen = Array.isArray(raw) ? raw : [];
    control = (
      <fieldset {...common} className="newrun-choices">
        <legend>{field.label}</legend>
        {field.options.map((option) => {
          const value = String(option);
          return (
            <label className="inline" key={value}>
              <input
                type="checkbox"
                checked={chosen.includes(value)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...chosen, value] : chosen.filter((item) => item !== value))
                }
              />
              {value}
            </label>
          );
        })}
      </fieldset>
    );
  } else {
    const text = typeof raw === "string" ? raw : "";
    let input: ReactNode;
    if (field.kind === "enum") {
      input = (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          {(field.nullable || text === "") && <option value="">{field.nullable ? "Automatic" : "Choose…"}</option>}
          {field.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      );
    } else if (field.kind === "integer") {
      input = (
        <input
          {...common}
          type="number"
          step={field.step ?? 1}
          min={field.min}
          max={field.max}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    } else {
      // decimals as text: "1e-4" is a fine learning rate, and a number input would blank it mid-typing
      input = (
        <input
          {...common}
          type="text"
          inputMode={field.kind === "number" || field.kind === "tuple" ? "decimal" : undefined}
          spellCheck={false}
          autoComplete="off"
          placeholder={field.nullable ? "not set" : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    }
    control = (
      <>
        <label htmlFor={id}>
          {field.label}
          {field.required && <span aria-hidden="true"> *</span>}
        </label>
        {beside ? (
          <div className="newrun-input-row">
            {input}
            {beside}
          </div>
        ) : (
          input
        )}
      </>
    );
  }

  return (
    <div className={`newrun-field${invalid ? " invalid" : ""}${warned ? " warned" : ""}${changed ? " changed" : ""}`}>
      {control}
      <span id={`${id}-help`} className="field-help">
        {helpText(field, baseText, changed, presetName)}
      </span>
      {hint && <span className="field-help">{hint}</span>}
      {invalid && (
        <span id={`${id}-error`} className="field-error">
          {errors.join("; ")}
        </span>
      )}
      {warned && (
        <span id={`${id}-warning`} className="field-warning">
          {warnings.join("; ")}
        </span>
      )}
      {below}
    </div>
  );
}

function helpText(field: FieldSpec, baseText: string, changed: boolean, presetName?: string): string {
  const parts: string[] = [];
  if (field.description) parts.push(field.description);
  if (field.unit) parts.push(field.unit);
  const above = field.exclusive?.min ? "more than" : "at least";
  const below = field.exclusive?.max ? "less than" : "at most";
  const inclusive = !field.exclusive?.min && !field.exclusive?.max;
  if (field.min !== undefined && field.max !== undefined)
    parts.push(inclusive ? `${field.min} to ${field.max}` : `${above} ${field.min}, ${below} ${field.max}`);
  else if (field.min !== undefined) parts.push(`${above} ${field.min}`);
  else if (field.max !== undefined) parts.push(`${below} ${field.max}`);
  const base = baseText === "" ? "not set" : baseText;
  if (changed) parts.push(`changed from ${base}`);
  else parts.push(presetName ? `${base} from preset ${presetName}` : `default ${base}`);
  return parts.join(" · ");
}
