import { useEffect, useRef, useState, type FormEvent } from "react";
import { errorText } from "../api";
import { useDebounced } from "../newrun/useDebounced";
import { useDatasets, useModels } from "../queries";
import { sweepLabel, useSweepList } from "../sweeps/queries";
import { joinBounds, splitBounds, STATUS_FILTERS, type RunFilters } from "./filters";
import { splitTags } from "./tags";

/** What a change of the filters sets in the query string (arrays repeat the key). */
export type FilterChange = Partial<
  Record<"status" | "model" | "dataset" | "q" | "tag" | "where" | "sweep", string | string[]>
>;

const SEARCH_DELAY_MS = 350;

/** The runs list's filter controls: status, model, dataset, text, tags, metric or config bounds and a sweep.
 * ``boundError`` is the API's answer to a bound it cannot read, shown under the bounds box. */
export function RunFilterBar({
  filters,
  onChange,
  boundError,
}: {
  filters: RunFilters;
  onChange: (change: FilterChange) => void;
  boundError: unknown;
}) {
  const models = useModels();
  const datasets = useDatasets();
  return (
    <div className="runs-filters">
      <div className="toolbar">
        <label htmlFor="runs-status">Status</label>
        <select id="runs-status" value={filters.status} onChange={(e) => onChange({ status: e.target.value })}>
          {STATUS_FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <Choice
          id="runs-model"
          label="Model"
          all="All models"
          value={filters.model}
          names={models.data?.items.map((m) => m.name) ?? []}
          onChange={(model) => onChange({ model })}
        />
        <Choice
          id="runs-dataset"
          label="Dataset"
          all="All datasets"
          value={filters.dataset}
          names={datasets.data?.map((d) => d.name) ?? []}
          onChange={(dataset) => onChange({ dataset })}
        />
        <label htmlFor="runs-search">Search</label>
        <SearchInput value={filters.q} onChange={(q) => onChange({ q })} />
      </div>
      <div className="toolbar">
        <TagFilter tags={filters.tags} onChange={(tag) => onChange({ tag })} />
        <BoundFilter bounds={filters.where} error={boundError} onChange={(where) => onChange({ where })} />
        <SweepFilter value={filters.sweep} onChange={(sweep) => onChange({ sweep })} />
      </div>
    </div>
  );
}

/** A select of names with an "all" choice; a value the list lacks (a model no longer installed) stays a choice. */
function Choice({
  id,
  label,
  all,
  value,
  names,
  onChange,
}: {
  id: string;
  label: string;
  all: string;
  value: string;
  names: string[];
  onChange: (value: string) => void;
}) {
  const choices = value && !names.includes(value) ? [value, ...names] : names;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {choices.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </>
  );
}

/** The text search, sent once typing pauses; a change from elsewhere (filters cleared) replaces the text. */
function SearchInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const [settled] = useDebounced(text, SEARCH_DELAY_MS);
  const sent = useRef(value);
  const send = useRef(onChange);
  useEffect(() => {
    send.current = onChange;
  });
  useEffect(() => {
    if (settled === sent.current) return;
    sent.current = settled;
    send.current(settled);
  }, [settled]);
  useEffect(() => {
    if (value === sent.current) return;
    sent.current = value;
    setText(value);
  }, [value]);
  return (
    <input
      id="runs-search"
      type="search"
      value={text}
      placeholder="id, name or note"
      onChange={(e) => setText(e.target.value)}
    />
  );
}

/** The tags a run must all have: chips that remove themselves, and a box to add more. */
function TagFilter({ tags, onChange }: { tags: string[]; onChange: (tags: string[]) => void }) {
  const [text, setText] = useState("");
  function add(event: FormEvent) {
    event.preventDefault();
    const added = splitTags(text).filter((tag) => !tags.includes(tag));
    if (added.length) onChange([...tags, ...added]);
    setText("");
  }
  return (
    <form className="runs-tag-filter" onSubmit={add}>
      <label htmlFor="runs-tag">Tag</label>
      <input id="runs-tag" value={text} placeholder="add a tag filter" onChange={(e) => setText(e.target.value)} />
      {tags.length > 0 && (
        <ul className="tag-chips" aria-label="Tag filters">
          {tags.map((tag) => (
            <li key={tag}>
              <button
                type="button"
                className="tag-chip"
                aria-label={`Remove the tag filter ${tag}`}
                onClick={() => onChange(tags.filter((t) => t !== tag))}
              >
                {tag} ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

/** Bounds on a metric's best value or a config value, applied on Enter; the API says what is wrong with one. */
function BoundFilter({
  bounds,
  error,
  onChange,
}: {
  bounds: string[];
  error: unknown;
  onChange: (bounds: string[]) => void;
}) {
  const applied = joinBounds(bounds);
  const [text, setText] = useState(applied);
  useEffect(() => setText(applied), [applied]);
  function apply(event: FormEvent) {
    event.preventDefault();
    onChange(splitBounds(text));
  }
  return (
    <form className={`runs-bound-filter${error ? " invalid" : ""}`} onSubmit={apply}>
      <label htmlFor="runs-where">Where</label>
      <input
        id="runs-where"
        value={text}
        placeholder="metric:val_acc>0.9; param:lr<=0.01"
        aria-invalid={error ? true : undefined}
        aria-describedby="runs-where-note"
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit">Apply</button>
      {error ? (
        <span id="runs-where-note" className="field-error" role="alert">
          {errorText(error)}
        </span>
      ) : (
        <span id="runs-where-note" className="field-help">
          metric:NAME or param:KEY with &gt; &gt;= &lt; &lt;= = !=; several separated by ;
        </span>
      )}
    </form>
  );
}

/** The trials of one sweep (``?sweep=ID``); shown once there is a sweep, or while the address names one. */
function SweepFilter({ value, onChange }: { value: string; onChange: (sweep: string) => void }) {
  const sweeps = useSweepList(SWEEP_CHOICES, 0, false);
  const items = sweeps.data?.items ?? [];
  if (!items.length && !value) return null;
  const choices = items.map((s) => [s.id, sweepLabel(s)] as const);
  if (value && !items.some((s) => s.id === value)) choices.unshift([value, value]);
  return (
    <span className="runs-sweep-filter">
      <label htmlFor="runs-sweep">Sweep</label>
      <select id="runs-sweep" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any run</option>
        {choices.map(([id, label]) => (
          <option key={id} value={id}>
            trials of {label}
          </option>
        ))}
      </select>
    </span>
  );
}

const SWEEP_CHOICES = 100;
