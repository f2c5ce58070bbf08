import { useId } from "react";
import { hasObjects, type Target } from "../tasks";
import { prCurves, rocCurves, histogramGroups } from "./curves";
import { CurveChart } from "./CurveChart";
import { HistogramChart } from "./HistogramChart";
import type { EvaluationReport } from "./types";

/** The report's ROC and precision-recall curves per class, and its IoU and confidence histograms. */
export function EvaluationCharts({ report, target }: { report: EvaluationReport; target: Target }) {
  const id = useId();
  const roc = rocCurves(report);
  const pr = prCurves(report);
  const histograms = histogramGroups(report, target);
  if (!roc && !pr && histograms.length === 0) return null;
  const prIou = report.curves?.pr_iou;
  const unit = hasObjects(target) ? "detections" : "images";
  return (
    <section className="evaluation-charts" aria-labelledby={id}>
      <h3 id={id}>Curves and histograms</h3>
      <div className="charts">
        {roc && <CurveChart id="roc" title="ROC" curves={roc} axes={["false positive rate", "true positive rate"]} scoreName="AUC" diagonal />}
        {pr && (
          <CurveChart
            id="pr"
            title="Precision-recall"
            note={typeof prIou === "number" ? `A detection is a true positive at IoU ${prIou} or more.` : undefined}
            curves={pr}
            axes={["recall", "precision"]}
            scoreName={typeof prIou === "number" ? `AP${Math.round(prIou * 100)}` : "AP"}
          />
        )}
        {histograms.map((group) => (
          <HistogramChart key={group.id} group={group} unit={unit} />
        ))}
      </div>
    </section>
  );
}
