import { formatMetric } from "../format";
import { hasObjects, type Target } from "../tasks";
import { ConfusionMatrixView } from "./ConfusionMatrixView";
import { EvaluationCharts } from "./EvaluationCharts";
import { PerClassTable } from "./PerClassTable";
import type { EvaluationReport } from "./types";

/** Targets whose confusion matrix counts pixels rather than images (the API's matrix does not say). */
const PIXEL_TARGETS: ReadonlySet<Target> = new Set(["mask", "change"]);

/** The aggregate metrics, confusion matrix, per-class table, curves and histograms of a validation
 * epoch or a test run, of a task whose predictions are ``target``. */
export function EvaluationSummary({ report, target }: { report: EvaluationReport; target: Target }) {
  const metrics = Object.entries(report.metrics).filter(([, v]) => typeof v === "number");
  return (
    <div className="evaluation-summary">
      <h3>Metrics</h3>
      <p className="muted small">
        {report.count} images
        {hasObjects(target) && ` · detections counted from score ${report.score_threshold}`}
      </p>
      <dl className="metric-cards">
        {metrics.map(([name, value]) => (
          <div key={name} className="metric-card">
            <dt>{name}</dt>
            <dd>{formatMetric(value)}</dd>
          </div>
        ))}
      </dl>
      {report.confusion_matrix && (
        <ConfusionMatrixView matrix={report.confusion_matrix} pixels={PIXEL_TARGETS.has(target)} />
      )}
      {report.per_class?.length > 0 && <PerClassTable rows={report.per_class} />}
      <EvaluationCharts report={report} target={target} />
    </div>
  );
}
