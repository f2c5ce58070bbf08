import { Link } from "react-router-dom";
import { StatusBadge } from "../components/StatusBadge";
import { TagChips } from "../components/TagChips";
import { seriesColour } from "../run/MetricCharts";
import type { ComparedRun } from "../types";
import { runLabel } from "./values";

/** The compared runs, each in its chart colour: a link to its page, status, model, dataset, epochs and tags. */
export function CompareHeader({ runs }: { runs: ComparedRun[] }) {
  return (
    <ul className="compare-runs" aria-label="Compared runs">
      {runs.map((run, i) => (
        <li key={run.id} className="card compare-run">
          <div className="compare-run-title">
            <span className="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
            <Link to={`/runs/${encodeURIComponent(run.id)}`}>{runLabel(run)}</Link>
            <StatusBadge status={run.status} />
          </div>
          {run.name && <div className="mono small muted">{run.id}</div>}
          <div className="small">
            {run.model} on {run.dataset}
            <span className="muted">
              {" "}
              · epoch {run.current_epoch}/{run.epochs}
            </span>
          </div>
          <TagChips tags={run.tags} />
          {run.note && <p className="small compare-note">{run.note}</p>}
        </li>
      ))}
    </ul>
  );
}
