import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
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
    <table className="data">
      <thead>
        <tr>
          <th>When</th>
          <th>Alias</th>
          <th>Change</th>
          <th>By</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {[...history.data].reverse().map((c, i) => (
          <tr key={`${c.at}-${c.alias}-${i}`}>
            <td className="small">{formatTime(c.at)}</td>
            <td>
              <span className="badge alias">{c.alias}</span>
            </td>
            <td>
              {c.from_version === null ? "—" : `v${c.from_version}`} →{" "}
              {c.to_version === null ? "removed" : `v${c.to_version}`}
            </td>
            <td>{c.actor}</td>
            <td>{c.reason ?? <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
