import { Field } from "./Field";

/** A labelled range input from 0 to 1 with its value shown beside it. */
export function Slider({
  label,
  value,
  step,
  shown,
  onChange,
}: {
  label: string;
  value: number;
  step: number;
  /** the value in words, e.g. "55%" */
  shown: string;
  onChange: (value: number) => void;
}) {
  return (
    <Field label={label} className="inline-field slider">
      {(id) => (
        <>
          <input
            id={id}
            type="range"
            min={0}
            max={1}
            step={step}
            value={value}
            onChange={(e) => onChange(Number(e.target.value))}
          />
          <output htmlFor={id}>{shown}</output>
        </>
      )}
    </Field>
  );
}
