import { Link } from "react-router-dom";
import { query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Section } from "../components/Section";
import { formatTime } from "../format";
import { AliasBadges } from "./AliasBadges";
import { BestEpochInfo } from "./BestEpochInfo";
import { allMetrics } from "./metrics";
import type { ModelVersionDetail } from "./types";

/** One version in full: where it came from, its scores, the best epoch, config and links onwards. */
export function VersionPanel({
  name,
  version,
  detail,
  error,
}: {
  name: string;
  version: number;
  detail: ModelVersionDetail | undefined;
  error: unknown;
}) {
  return (
    <section className="card">
      <div className="toolbar">
        <h2 id="version-title">
          {name} v{version}
        </h2>
        {!!detail?.aliases.length && <AliasBadges aliases={detail.aliases} />}
        <span className="spacer" />
        <Link className="button primary" to={`/runs/new${query({ base_model: `${name}:${version}` })}`}>
          Train from this version
        </Link>
        <Link className="button" to={`/predict${query({ model: `${name}:${version}` })}`}>
          Try it in the playground
        </Link>
      </div>
      <ErrorNotice error={error} title={`v${version} could not be read`} />
      {!detail && !error && <Loading what={`Loading v${version}`} />}
      {detail && (
        <>
          {detail.description && <p>{detail.description}</p>}
          <dl className="facts">
            <dt>Run</dt>
            <dd>
              <Link to={`/runs/${detail.run_id}`}>{detail.run?.name ?? detail.run_id}</Link>{" "}
              <span className="muted small">
                ({detail.checkpoint}, epoch {detail.epoch}
                {detail.run && ` of ${detail.run.epochs}`})
              </span>
            </dd>
            <dt>Dataset</dt>
            <dd>
              <Link to={`/datasets/${encodeURIComponent(detail.dataset)}`}>{detail.dataset}</Link>{" "}
              <span className="mono small muted">{detail.dataset_fingerprint ?? "no fingerprint"}</span>
            </dd>
            <dt>Classes</dt>
            <dd className="class-list">
              {detail.classes.length}: {detail.classes.join(", ")}
            </dd>
            <dt>Checkpoint SHA-256</dt>
            <dd className="mono small">{detail.sha256}</dd>
            <dt>Published</dt>
            <dd>
              {formatTime(detail.created_at)} by {detail.created_by}
            </dd>
            {detail.tracking_version && (
              <>
                <dt>MLflow version</dt>
                <dd>{detail.tracking_version}</dd>
              </>
            )}
          </dl>
          <h3>Best epoch</h3>
          <BestEpochInfo name={name} version={version} />
          <h3>Metrics of the published epoch</h3>
          <dl className="metric-grid">
            {allMetrics(detail.metrics).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          <h3>Exports made from this checkpoint</h3>
          {detail.exports.length === 0 ? (
            <p className="muted">
              None yet. Exports are made from the run's page (<Link to={`/runs/${detail.run_id}`}>open the run</Link>
              ).
            </p>
          ) : (
            <ul>
              {detail.exports.map((e) => (
                <li key={e.id}>
                  {e.format ?? "export"} — {e.status}{" "}
                  <Link className="small" to={`/runs/${detail.run_id}/exports`}>
                    (on the run's page)
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <Section title="Training config">
            <pre className="log">{JSON.stringify(detail.config, null, 2)}</pre>
          </Section>
        </>
      )}
    </section>
  );
}
