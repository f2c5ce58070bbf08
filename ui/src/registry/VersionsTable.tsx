import { Link } from "react-router-dom";
import { StatusBadge } from "../components/StatusBadge";
import { formatBytes, formatTime } from "../format";
import { AliasBadges } from "./AliasBadges";
import { DownloadButton } from "../components/DownloadButton";
import { scores } from "./metrics";
import { modelPath, shortFingerprint, type ExportOfVersion, type ModelVersion } from "./types";

const SHOWN_SCORES = 3;

/** One row per version, newest first. ``exports`` per version number (from each version's detail). */
export function VersionsTable({
  versions,
  exports,
  selected,
  onSelect,
}: {
  versions: ModelVersion[];
  exports: Record<number, ExportOfVersion[] | undefined>;
  selected: number | null;
  onSelect: (version: number) => void;
}) {
  return (
    <table className="data versions-table">
      <thead>
        <tr>
          <th>Version</th>
          <th>Aliases</th>
          <th>Run</th>
          <th className="num">Epoch</th>
          <th>Metrics</th>
          <th>Dataset</th>
          <th className="num">Size</th>
          <th>Published</th>
          <th>Exports</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {[...versions].reverse().map((v) => (
          <tr key={v.version} className={v.version === selected ? "selected" : undefined}>
            <td>
              <button
                type="button"
                className="link"
                aria-pressed={v.version === selected}
                aria-label={`Details of v${v.version}`}
                onClick={() => onSelect(v.version)}
              >
                v{v.version}
              </button>
            </td>
            <td>
              <AliasBadges aliases={v.aliases} />
            </td>
            <td className="small">
              <Link className="mono" to={`/runs/${v.run_id}`}>
                {v.run?.name ?? v.run_id}
              </Link>
              {v.run ? (
                <div>
                  <StatusBadge status={v.run.status} />
                </div>
              ) : (
                <div className="muted">run deleted</div>
              )}
            </td>
            <td className="num">
              {v.epoch}
              {v.run && <span className="muted small"> / {v.run.epochs}</span>}
            </td>
            <td>
              <ul className="scores">
                {scores(v.metrics).slice(0, SHOWN_SCORES).map(([k, value]) => (
                  <li key={k}>
                    {k} <strong>{value}</strong>
                  </li>
                ))}
              </ul>
            </td>
            <td className="small">
              {v.dataset}
              <div className="mono muted" title={v.dataset_fingerprint ?? undefined}>
                {shortFingerprint(v.dataset_fingerprint)}
              </div>
            </td>
            <td className="num small">{formatBytes(v.size)}</td>
            <td className="small">
              {v.created_by}
              <div className="muted">{formatTime(v.created_at)}</div>
            </td>
            <td className="small">
              <ExportList exports={exports[v.version]} />
            </td>
            <td>
              <div className="actions">
                <DownloadButton
                  path={`${modelPath(v.name)}/versions/${v.version}/download`}
                  fileName={`${v.name}-v${v.version}.ckpt`}
                  label={`Download v${v.version}`}
                />
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ExportList({ exports }: { exports: ExportOfVersion[] | undefined }) {
  if (exports === undefined) return <span className="muted">…</span>;
  if (exports.length === 0) return <span className="muted">none</span>;
  return (
    <>
      {exports.map((e) => (
        <div key={e.id}>
          {e.format ?? "export"} <StatusBadge status={e.status} />
        </div>
      ))}
    </>
  );
}
