import { Link } from "react-router-dom";
import { DataTable, type Column } from "../components/DataTable";
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
  const columns: Column<ModelVersion>[] = [
    {
      key: "version",
      header: "Version",
      cell: (v) => (
        <button
          type="button"
          className="link"
          aria-pressed={v.version === selected}
          aria-label={`Details of v${v.version}`}
          onClick={() => onSelect(v.version)}
        >
          v{v.version}
        </button>
      ),
    },
    { key: "aliases", header: "Aliases", cell: (v) => <AliasBadges aliases={v.aliases} /> },
    {
      key: "run",
      header: "Run",
      className: "small",
      cell: (v) => (
        <>
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
        </>
      ),
    },
    {
      key: "epoch",
      header: "Epoch",
      align: "num",
      cell: (v) => (
        <>
          {v.epoch}
          {v.run && <span className="muted small"> / {v.run.epochs}</span>}
        </>
      ),
    },
    {
      key: "metrics",
      header: "Metrics",
      cell: (v) => (
        <ul className="scores">
          {scores(v.metrics)
            .slice(0, SHOWN_SCORES)
            .map(([k, value]) => (
              <li key={k}>
                {k} <strong>{value}</strong>
              </li>
            ))}
        </ul>
      ),
    },
    {
      key: "dataset",
      header: "Dataset",
      className: "small",
      cell: (v) => (
        <>
          {v.dataset}
          <div className="mono muted" title={v.dataset_fingerprint ?? undefined}>
            {shortFingerprint(v.dataset_fingerprint)}
          </div>
        </>
      ),
    },
    { key: "size", header: "Size", align: "num", className: "small", cell: (v) => formatBytes(v.size) },
    {
      key: "published",
      header: "Published",
      className: "small",
      cell: (v) => (
        <>
          {v.created_by}
          <div className="muted">{formatTime(v.created_at)}</div>
        </>
      ),
    },
    { key: "exports", header: "Exports", className: "small", cell: (v) => <ExportList exports={exports[v.version]} /> },
    {
      key: "actions",
      header: "Actions",
      cell: (v) => (
        <div className="actions">
          <DownloadButton
            path={`${modelPath(v.name)}/versions/${v.version}/download`}
            fileName={`${v.name}-v${v.version}.ckpt`}
            label={`Download v${v.version}`}
          />
        </div>
      ),
    },
  ];
  return (
    <DataTable
      className="versions-table"
      columns={columns}
      rows={[...versions].reverse()}
      rowKey={(v) => v.version}
      rowClassName={(v) => (v.version === selected ? "selected" : undefined)}
    />
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
