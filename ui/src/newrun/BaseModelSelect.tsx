import { ErrorNotice } from "../components/ErrorNotice";
import { useRegistryModels } from "../queries";

/** Start from a published registry version of the same model (``base_model``: name, name:3 or name@alias). */
export function BaseModelSelect({
  model,
  value,
  onChange,
}: {
  model: string;
  value: string;
  onChange: (reference: string) => void;
}) {
  const registry = useRegistryModels();
  const usable = (registry.data ?? []).filter((m) => m.model === model);
  return (
    <div className="newrun-field">
      <label htmlFor="newrun-base-model">Start from a published version</label>
      <select
        id="newrun-base-model"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby="newrun-base-help"
      >
        <option value="">No: fresh weights</option>
        {usable.map((m) => (
          <optgroup key={m.name} label={m.name}>
            {m.latest_version !== null && (
              <option value={m.name}>{`${m.name} (latest, v${m.latest_version})`}</option>
            )}
            {Object.entries(m.aliases).map(([alias, version]) => (
              <option key={alias} value={`${m.name}@${alias}`}>{`${m.name}@${alias} (v${version})`}</option>
            ))}
            {m.versions.map((v) => (
              <option key={v.version} value={`${m.name}:${v.version}`}>{`${m.name}:${v.version}`}</option>
            ))}
          </optgroup>
        ))}
      </select>
      <span id="newrun-base-help" className="field-help">
        {registry.isPending
          ? "Loading the registry…"
          : usable.length
            ? `Initialise from a registered ${model} model's weights (a different class count keeps a fresh head).`
            : `No ${model} model is published in the registry yet.`}
      </span>
      <ErrorNotice error={registry.error} title="The registry could not be read" />
    </div>
  );
}
