/** A number input for a score or confidence between 0 and 1 (kept as the text typed, "" for none). */
export function FractionInput({
  value,
  onChange,
  required,
}: {
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
}) {
  return (
    <input
      type="number"
      min={0}
      max={1}
      step={0.05}
      className="narrow"
      required={required}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
