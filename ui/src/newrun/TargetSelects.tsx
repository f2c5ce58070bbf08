import type { DatasetSummary } from "../datasets/types";
import { useTaskTitle } from "../tasks";
import { fits } from "./choices";
import type { ModelMetadata } from "./types";

/** The catalog's models grouped by task (the new-run form and the new-sweep form). */
export function ModelSelect({
  id,
  models,
  value,
  onChange,
}: {
  id: string;
  models: ModelMetadata[];
  value: string;
  onChange: (name: string) => void;
}) {
  const tasks = [...new Set(models.map((m) => m.task_type))];
  const title = useTaskTitle();
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      {tasks.map((task) => (
        <optgroup key={task} label={title(task)}>
          {models
            .filter((m) => m.task_type === task)
            .map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
        </optgroup>
      ))}
    </select>
  );
}

/** The datasets that fit the model first, the others listed but disabled. */
export function DatasetSelect({
  id,
  datasets,
  model,
  dataset,
  onChange,
  describedBy,
}: {
  id: string;
  datasets: DatasetSummary[];
  model: ModelMetadata;
  dataset: DatasetSummary | undefined;
  onChange: (name: string) => void;
  describedBy?: string;
}) {
  const fitting = datasets.filter((d) => fits(d, model));
  const others = datasets.filter((d) => !fits(d, model));
  const title = useTaskTitle();
  return (
    <select id={id} value={dataset?.name ?? ""} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy}>
      {!dataset && <option value="">No dataset fits this model</option>}
      <optgroup label={`${title(model.task_type)} data`}>
        {fitting.map((d) => (
          <option key={d.name} value={d.name}>
            {datasetText(d)}
          </option>
        ))}
      </optgroup>
      {others.length > 0 && (
        <optgroup label="Other tasks (cannot train this model)">
          {others.map((d) => (
            <option key={d.name} value={d.name} disabled>
              {d.name} ({d.tasks.map(title).join(", ").toLowerCase()})
            </option>
          ))}
        </optgroup>
      )}
    </select>
  );
}

function datasetText(d: DatasetSummary): string {
  const classes = d.classes.length ? `, ${d.classes.length} classes` : "";
  return `${d.name} (${d.image_count.toLocaleString()} images${classes})`;
}
