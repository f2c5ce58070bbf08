import { Link, useSearchParams } from "react-router-dom";
import { ApiError } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import "../compare/compare.css";
import { CompareHeader } from "../compare/CompareHeader";
import { ConfigDiff } from "../compare/ConfigDiff";
import { MetricsTable } from "../compare/MetricsTable";
import { OverlayChart } from "../compare/OverlayChart";
import { idsOf, MAX_COMPARED, MIN_COMPARED, useComparison } from "../compare/queries";
import { defaultMetric } from "../compare/values";

const ERROR_TITLES: Record<number, string> = {
  404: "A run to compare is not there (deleted?)",
  422: "These runs cannot be compared",
};

/** /runs/compare?ids=a,b: 2 to 10 runs side by side: who they are, one metric's curves overlaid, their
 * metrics and the config keys that differ. The metric shown is kept in the address (``metric``). */
export function ComparePage() {
  const [params, setParams] = useSearchParams();
  const ids = idsOf(params);
  const comparison = useComparison(ids);

  function showMetric(metric: string) {
    const next = new URLSearchParams(window.location.search);
    next.set("metric", metric);
    setParams(next, { replace: true });
  }

  let body;
  if (ids.length < MIN_COMPARED)
    body = (
      <p className="notice info">
        Pick {MIN_COMPARED} to {MAX_COMPARED} runs on the <Link to="/runs">runs list</Link> to compare them.
      </p>
    );
  else if (comparison.isError) {
    const status = comparison.error instanceof ApiError ? comparison.error.status : 0;
    body = (
      <>
        <ErrorNotice error={comparison.error} title={ERROR_TITLES[status] ?? "The runs could not be compared"} />
        <p>
          <Link to="/runs">Back to the runs</Link>
        </p>
      </>
    );
  } else if (!comparison.data) body = <Loading what="Comparing the runs" />;
  else {
    const { runs, metrics, config } = comparison.data;
    const asked = params.get("metric") ?? "";
    const metric = metrics.includes(asked) ? asked : defaultMetric(metrics);
    body = (
      <>
        <CompareHeader runs={runs} />
        <OverlayChart runs={runs} metrics={metrics} metric={metric} onMetric={showMetric} />
        <MetricsTable runs={runs} metrics={metrics} />
        <ConfigDiff runs={runs} config={config} />
      </>
    );
  }

  return (
    <section className="compare">
      <div className="toolbar">
        <h1>Compare runs</h1>
        <span className="spacer" />
        <Link to="/runs">All runs</Link>
      </div>
      {body}
    </section>
  );
}
