import type { RunSummary } from "../types";
import { formatDuration } from "../format";

/** A run's epochs done as a progress bar; while it trains, the running epoch's steps count too and the
 * step, images/s and time left are written beside it. */
export function EpochProgress({ run }: { run: Pick<RunSummary, "current_epoch" | "epochs" | "progress"> }) {
  const progress = run.progress ?? null;
  const done = progress ? progress.epoch - 1 + progress.step / Math.max(progress.steps, 1) : run.current_epoch;
  const percent = run.epochs ? Math.min(100, (100 * done) / run.epochs) : 0;
  const detail = progress
    ? `epoch ${progress.epoch}/${run.epochs} · step ${progress.step}/${progress.steps}` +
      (progress.images_per_s ? ` · ${Math.round(progress.images_per_s)} img/s` : "") +
      ` · ${formatDuration(progress.eta_run_s)} left`
    : null;
  return (
    <span className="epoch-progress">
      <span
        className="progress"
        role="progressbar"
        aria-label="Epochs done"
        aria-valuemin={0}
        aria-valuemax={run.epochs}
        aria-valuenow={Math.round(done * 100) / 100}
        aria-valuetext={detail ?? `${run.current_epoch} of ${run.epochs} epochs`}
      >
        <span style={{ width: `${percent}%` }} />
      </span>
      {detail && <span className="muted small progress-detail">{detail}</span>}
    </span>
  );
}
