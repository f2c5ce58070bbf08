import type { RunSummary } from "../types";

/** A run's epochs done as a progress bar. */
export function EpochProgress({ run }: { run: Pick<RunSummary, "current_epoch" | "epochs"> }) {
  const percent = run.epochs ? Math.min(100, (100 * run.current_epoch) / run.epochs) : 0;
  return (
    <span
      className="progress"
      role="progressbar"
      aria-label="Epochs done"
      aria-valuemin={0}
      aria-valuemax={run.epochs}
      aria-valuenow={run.current_epoch}
      aria-valuetext={`${run.current_epoch} of ${run.epochs} epochs`}
    >
      <span style={{ width: `${percent}%` }} />
    </span>
  );
}
