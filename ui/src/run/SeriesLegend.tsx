import { useState } from "react";

export interface LegendEntry {
  name: string;
  label: string;
  colour: string;
}

/** Which series of a chart are hidden; ``initial`` start hidden. */
export function useHiddenSeries(initial: string[] = []) {
  const [hidden, setHidden] = useState<Set<string>>(() => new Set(initial));
  const toggle = (name: string) =>
    setHidden((current) => {
      const next = new Set(current);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  return { hidden, toggle };
}

/** A chart's series as buttons that show or hide them. */
export function SeriesLegend({
  label,
  entries,
  hidden,
  onToggle,
}: {
  /** the accessible name of the list */
  label: string;
  entries: LegendEntry[];
  hidden: Set<string>;
  onToggle: (name: string) => void;
}) {
  return (
    <ul className="chart-legend" aria-label={label}>
      {entries.map((entry) => (
        <li key={entry.name}>
          <button
            type="button"
            aria-pressed={!hidden.has(entry.name)}
            title={`Show or hide ${entry.name}`}
            onClick={() => onToggle(entry.name)}
          >
            <span className="swatch" style={{ background: entry.colour }} aria-hidden="true" />
            {entry.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
