import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { ModelCard } from "../newrun/ModelCard";
import "../newrun/newrun.css";
import { useModels } from "../queries";
import { useTaskTitle } from "../tasks";

/** /models: every model plugin, with what it trains and how; each one a click away from a new run. */
export function ModelsPage() {
  const [params, setParams] = useSearchParams();
  const task = params.get("task") ?? "";
  const models = useModels();
  const title = useTaskTitle();
  const items = models.data?.items ?? [];
  const tasks = [...new Set(items.map((m) => m.task_type))];
  const shown = items.filter((m) => !task || m.task_type === task);

  return (
    <section>
      <h1>Models</h1>
      <div className="toolbar">
        <label htmlFor="models-task">Task</label>
        <select
          id="models-task"
          value={task}
          onChange={(e) => setParams(e.target.value ? { task: e.target.value } : {}, { replace: true })}
        >
          <option value="">All tasks</option>
          {tasks.map((t) => (
            <option key={t} value={t}>
              {title(t)}
            </option>
          ))}
        </select>
        <span className="spacer" />
        {models.data && (
          <span className="small muted">
            {shown.length} of {items.length} models
          </span>
        )}
      </div>
      <ErrorNotice error={models.error} title="The model catalog could not be read" />
      {models.isPending && <Loading what="Loading the model catalog" />}
      {models.data?.broken.length ? (
        <div className="notice error" role="alert">
          <strong>Some model plugins failed to load:</strong>
          <ul>
            {models.data.broken.map((b) => (
              <li key={`${b.source}:${b.name}`}>
                <code>{b.name}</code> ({b.source}): {b.error ?? "unknown error"}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {models.data && !items.length && (
        <p className="notice info">
          No model plugin is installed. Put one in <code>$VISIONYARD_HOME/models/&lt;name&gt;/model.py</code> or install
          a package with a <code>visionyard.models</code> entry point.
        </p>
      )}
      <div className="models-grid">
        {shown.map((model) => (
          <ModelCard key={model.name} model={model} />
        ))}
      </div>
    </section>
  );
}
