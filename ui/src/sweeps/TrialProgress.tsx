import type { SweepSummary } from "./types";
import { trialProgress } from "./values";

/** A sweep's trials ended out of the trials it asks for, as a bar, with its trials' counts by status. */
export function TrialProgress({ sweep }: { sweep: Pick<SweepSummary, "trial_counts" | "n_trials"> }) {
  const { ended, text } = trialProgress(sweep);
  const percent = sweep.n_trials ? Math.min(100, (100 * ended) / sweep.n_trials) : 0;
  return (
    <span className="trial-progress">
      <span
        className="progress"
        role="progressbar"
        aria-label="Trials ended"
        aria-valuemin={0}
        aria-valuemax={sweep.n_trials}
        aria-valuenow={ended}
        aria-valuetext={`${ended} of ${sweep.n_trials} trials ended`}
      >
        <span style={{ width: `${percent}%` }} />
      </span>
      <span className="small">
        {ended} / {sweep.n_trials} trials
      </span>
      {text && <span className="small muted trial-counts">{text}</span>}
    </span>
  );
}
