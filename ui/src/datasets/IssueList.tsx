import { useTaskTitle } from "../tasks";
import type { DatasetReport } from "./types";

const SHOWN = 200;

/** The full check's findings: errors stop a run (skippable ones with data.skip_invalid_images). */
export function IssueList({ report }: { report: DatasetReport }) {
  const issues = report.issues;
  const title = useTaskTitle();
  if (issues.length === 0)
    return (
      <p className="notice ok">
        No problems found: every image opens and every annotation is usable for {title(report.task).toLowerCase()}.
      </p>
    );
  const errors = issues.filter((i) => i.severity === "error").length;
  return (
    <>
      <p className={errors ? "notice error" : "notice info"}>
        {errors} {errors === 1 ? "error" : "errors"}, {issues.length - errors}{" "}
        {issues.length - errors === 1 ? "warning" : "warnings"}.
        {issues.some((i) => i.skippable) &&
          " Errors marked skippable stop a run unless its config sets data.skip_invalid_images."}
      </p>
      <ul className="issues">
        {issues.slice(0, SHOWN).map((issue, i) => (
          <li key={i}>
            <span className={`badge sev-${issue.severity}`}>{issue.severity}</span>
            <span className="badge">{issue.kind}</span>
            {issue.skippable && <span className="badge">skippable</span>}
            {issue.message}
            {issue.path && <div className="muted small mono">{issue.path}</div>}
          </li>
        ))}
      </ul>
      {issues.length > SHOWN && <p className="muted small">…and {issues.length - SHOWN} more.</p>}
    </>
  );
}
