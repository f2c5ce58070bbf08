import type { TrainingWarning } from "../types";

const NAMES: Record<TrainingWarning["kind"], string> = {
  loss_rising: "loss rising",
  loss_not_finite: "loss not finite",
};

/** A badge per training warning, its message in the title. */
export function WarningBadges({ warnings }: { warnings: TrainingWarning[] | undefined }) {
  return (
    <>
      {(warnings ?? []).map((w) => (
        <span key={`${w.kind}-${w.epoch}`} className="badge warning" title={w.message} data-kind={w.kind}>
          ⚠ {NAMES[w.kind] ?? w.kind}
        </span>
      ))}
    </>
  );
}
