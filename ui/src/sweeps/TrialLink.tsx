import { Link } from "react-router-dom";
import type { RunSummary } from "../types";
import { sweepPage } from "./queries";

/** "sweep · trial N", a link to the sweep a run is a trial of; nothing for a run of its own. */
export function TrialLink({ run, className }: { run: Pick<RunSummary, "sweep_id" | "trial_number">; className?: string }) {
  if (!run.sweep_id) return null;
  return (
    <Link
      className={`sweep-link${className ? ` ${className}` : ""}`}
      to={sweepPage(run.sweep_id)}
      title={`Trial ${run.trial_number ?? "?"} of sweep ${run.sweep_id}`}
    >
      sweep · trial {run.trial_number ?? "?"}
    </Link>
  );
}
