import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { TaskTitle } from "../components/TaskTitle";
import { useTask } from "../tasks";
import { formatMetric, formatTime, headline } from "../format";
import { useRegistryModels } from "../queries";
import { AliasBadges } from "../registry/AliasBadges";
import { PublishHint } from "../registry/PublishHint";
import type { TrainedModel } from "../registry/types";
import "../registry/registry.css";

const SHOWN_RUNS = 3;

export function RegistryPage() {
  const models = useRegistryModels();
  return (
    <>
      <h1>Model registry</h1>
      <p className="muted">
        Published versions of trained models, with aliases (such as <code>staging</code> or{" "}
        <code>production</code>) that deployments and new runs refer to.
      </p>
      <ErrorNotice error={models.error} title="The registry could not be read" />
      {models.isPending && <Loading what="Reading the registry" />}
      {models.data?.length === 0 && <PublishHint />}
      {!!models.data?.length && (
        <DataTable className="registry-table" columns={COLUMNS} rows={models.data} rowKey={(m) => m.name} />
      )}
    </>
  );
}

const latestOf = (model: TrainedModel) => model.versions[model.versions.length - 1];

const COLUMNS: Column<TrainedModel>[] = [
  {
    key: "model",
    header: "Model",
    cell: (model) => (
      <>
        <Link to={`/registry/${encodeURIComponent(model.name)}`}>{model.name}</Link>
        {model.description && <div className="muted small">{model.description}</div>}
      </>
    ),
  },
  { key: "task", header: "Task", cell: (model) => <TaskTitle name={model.task} /> },
  { key: "plugin", header: "Plugin", className: "mono small", cell: (model) => model.model },
  {
    key: "latest",
    header: "Latest",
    align: "num",
    cell: (model) => (model.latest_version === null ? "—" : `v${model.latest_version}`),
  },
  {
    key: "aliases",
    header: "Aliases",
    cell: (model) => <AliasBadges aliases={Object.keys(model.aliases)} versions={model.aliases} />,
  },
  { key: "versions", header: "Versions", align: "num", cell: (model) => model.versions.length },
  { key: "runs", header: "Runs", className: "small", cell: (model) => <RunLinks model={model} /> },
  {
    key: "score",
    header: "Latest score",
    className: "small",
    cell: (model) => <LatestScore model={model} />,
  },
  {
    key: "updated",
    header: "Updated",
    className: "small",
    cell: (model) => formatTime(latestOf(model)?.created_at ?? model.created_at),
  },
];

/** The latest version's headline metric (its task's). */
function LatestScore({ model }: { model: TrainedModel }) {
  const task = useTask(model.task);
  const latest = latestOf(model);
  const score = latest ? headline(latest.metrics, task?.headline) : null;
  return score ? `${score[0]} ${formatMetric(score[1])}` : "—";
}

function RunLinks({ model }: { model: TrainedModel }) {
  const runs = [...new Set(model.versions.map((v) => v.run_id))].reverse();
  return (
    <>
      {runs.slice(0, SHOWN_RUNS).map((id) => (
        <div key={id}>
          <Link className="mono" to={`/runs/${id}`}>
            {id}
          </Link>
        </div>
      ))}
      {runs.length > SHOWN_RUNS && <span className="muted">and {runs.length - SHOWN_RUNS} more</span>}
    </>
  );
}
