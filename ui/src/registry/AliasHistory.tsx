import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { formatTime } from "../format";
import { modelPath, type AliasChange } from "./types";

/** Every alias change of the model, newest first: who, when, from which version to which, why. */
export function AliasHistory({ name }: { name: string }) {
  const history = useQuery({
    queryKey: ["registry-model", name, "aliases"],
    queryFn: () => api<AliasChange[]>(`${modelPath(name)}/aliases`),
  });
  if (history.isPending) return <Loading what="Loading the alias history" />;
  if (history.error) return <ErrorNotice error={history.error} title="The alias history could not be read" />;
  if (history.data.length === 0) return <p className="muted">No alias has been set yet.</p>;
  return (
    <DataTable
      columns={COLUMNS}
      rows={[...history.data].reverse()}
      rowKey={(c, i) => `${c.at}-${c.alias}-${i}`}
      label="Alias history"
    />
  );
}

const version = (v: number | null, none: string) => (v === null ? none : `v${v}`);

const COLUMNS: Column<AliasChange>[] = [
  { key: "when", header: "When", className: "small", cell: (c) => formatTime(c.at) },
  { key: "alias", header: "Alias", cell: (c) => <span className="badge alias">{c.alias}</span> },
  {
    key: "change",
    header: "Change",
    cell: (c) => `${version(c.from_version, "—")} → ${version(c.to_version, "removed")}`,
  },
  { key: "by", header: "By", cell: (c) => c.actor },
  { key: "reason", header: "Reason", cell: (c) => c.reason ?? <span className="muted">—</span> },
];
