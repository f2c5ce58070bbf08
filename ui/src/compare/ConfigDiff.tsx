import { useState } from "react";
import { DataTable, type Column } from "../components/DataTable";
import type { ComparedRun, ConfigRow } from "../types";
import { configText, runLabel } from "./values";

/** The runs' configs key by key (dotted): only the keys whose values differ, unless all are asked for. */
export function ConfigDiff({ runs, config }: { runs: ComparedRun[]; config: ConfigRow[] }) {
  const [all, setAll] = useState(false);
  const differing = config.filter((row) => row.differs);
  const rows = all ? config : differing;
  const columns: Column<ConfigRow>[] = [
    { key: "key", header: "Setting", rowHeader: true, className: "mono", cell: (row) => row.key },
    ...runs.map(
      (run, i): Column<ConfigRow> => ({
        key: run.id,
        header: runLabel(run),
        className: "mono",
        cell: (row) => configText(row.values[i]),
      }),
    ),
  ];
  return (
    <section aria-labelledby="compare-config-title">
      <div className="toolbar compare-section-head">
        <h2 id="compare-config-title">Config</h2>
        <span className="small muted">
          {differing.length} of {config.length} keys differ
        </span>
        <span className="spacer" />
        <label className="inline small">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          Show all {config.length} keys
        </label>
      </div>
      <DataTable
        className="compare-config"
        columns={columns}
        rows={rows}
        rowKey={(row) => row.key}
        rowClassName={(row) => (row.differs ? "differs" : undefined)}
        empty="The runs' configs are the same."
        scroll
        label="Config of the compared runs"
      />
    </section>
  );
}
