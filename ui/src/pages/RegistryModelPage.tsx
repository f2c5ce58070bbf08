import { useQueries, useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { TaskTitle } from "../components/TaskTitle";
import { formatTime } from "../format";
import { AliasHistory } from "../registry/AliasHistory";
import { AliasPanel } from "../registry/AliasPanel";
import { modelPath, type ModelVersionDetail, type TrainedModel } from "../registry/types";
import { VersionPanel } from "../registry/VersionPanel";
import { VersionsTable } from "../registry/VersionsTable";
import "../registry/registry.css";

export function RegistryModelPage() {
  const name = useParams().name ?? "";
  const [params, setParams] = useSearchParams();
  const model = useQuery({
    queryKey: ["registry-model", name],
    queryFn: () => api<TrainedModel>(modelPath(name)),
  });
  const versions = model.data?.versions ?? [];
  // Each version's detail gives the exports made from it (the listing does not).
  const details = useQueries({
    queries: versions.map((v) => ({
      queryKey: ["registry-model", name, "version", v.version],
      queryFn: () => api<ModelVersionDetail>(`${modelPath(name)}/versions/${v.version}`),
    })),
  });
  const byVersion = Object.fromEntries(versions.map((v, i) => [v.version, details[i]]));
  const selected = Number(params.get("version")) || model.data?.latest_version || null;

  if (model.isPending) return <Loading what={`Loading ${name}`} />;
  if (model.error)
    return (
      <>
        <h1>{name}</h1>
        <ErrorNotice error={model.error} title="This model could not be read" />
        <Link to="/registry">← The registry</Link>
      </>
    );
  const m = model.data;
  return (
    <div className="registry-model">
      <p>
        <Link to="/registry">← The registry</Link>
      </p>
      <h1>{m.name}</h1>
      <p className="muted">
        <TaskTitle name={m.task} /> · plugin <code>{m.model}</code> · {m.versions.length}{" "}
        {m.versions.length === 1 ? "version" : "versions"} · registered {formatTime(m.created_at)}
        {m.description && ` · ${m.description}`}
      </p>
      <section className="card" aria-labelledby="aliases-title">
        <h2 id="aliases-title">Aliases</h2>
        <AliasPanel model={m} />
      </section>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.length === 0 ? (
          <p className="muted">This model has no versions.</p>
        ) : (
          <VersionsTable
            versions={versions}
            exports={Object.fromEntries(versions.map((v) => [v.version, byVersion[v.version]?.data?.exports]))}
            selected={selected}
            onSelect={(v) => setParams({ version: String(v) }, { replace: true })}
          />
        )}
      </section>
      {selected !== null && byVersion[selected] && (
        <VersionPanel
          name={m.name}
          version={selected}
          detail={byVersion[selected].data}
          error={byVersion[selected].error}
        />
      )}
      <section aria-labelledby="history-title">
        <h2 id="history-title">Alias history</h2>
        <AliasHistory name={m.name} />
      </section>
    </div>
  );
}
