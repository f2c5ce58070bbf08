import { Link } from "react-router-dom";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatMetric, formatTime, headline, taskName } from "../format";
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
        <table className="data registry-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Task</th>
              <th>Plugin</th>
              <th className="num">Latest</th>
              <th>Aliases</th>
              <th className="num">Versions</th>
              <th>Runs</th>
              <th>Latest score</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => (
              <ModelRow key={m.name} model={m} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ModelRow({ model }: { model: TrainedModel }) {
  const latest = model.versions[model.versions.length - 1];
  const runs = [...new Set(model.versions.map((v) => v.run_id))].reverse();
  const score = latest ? headline(latest.metrics) : null;
  return (
    <tr>
      <td>
        <Link to={`/registry/${encodeURIComponent(model.name)}`}>{model.name}</Link>
        {model.description && <div className="muted small">{model.description}</div>}
      </td>
      <td>{taskName(model.task)}</td>
      <td className="mono small">{model.model}</td>
      <td className="num">{model.latest_version === null ? "—" : `v${model.latest_version}`}</td>
      <td>
        <AliasBadges aliases={Object.keys(model.aliases)} versions={model.aliases} />
      </td>
      <td className="num">{model.versions.length}</td>
      <td className="small">
        {runs.slice(0, SHOWN_RUNS).map((id) => (
          <div key={id}>
            <Link className="mono" to={`/runs/${id}`}>
              {id}
            </Link>
          </div>
        ))}
        {runs.length > SHOWN_RUNS && <span className="muted">and {runs.length - SHOWN_RUNS} more</span>}
      </td>
      <td className="small">{score ? `${score[0]} ${formatMetric(score[1])}` : "—"}</td>
      <td className="small">{formatTime(latest?.created_at ?? model.created_at)}</td>
    </tr>
  );
}
