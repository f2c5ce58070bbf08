import { ErrorNotice } from "../components/ErrorNotice";
import { LrCurveChart, formatRate } from "./LrCurveChart";
import type { SuggestionWhat } from "./types";
import { FINDER, suggestedValue, type SuggestionState } from "./useSuggestion";

const ASKS: Record<SuggestionWhat, string> = {
  lr: "Suggest a learning rate",
  batch_size: "Suggest a batch size",
};

/** The "Suggest" button beside the learning rate or the batch size. */
export function SuggestButton({
  what,
  state,
  disabled,
  onClick,
}: {
  what: SuggestionWhat;
  state: SuggestionState;
  /** no model or dataset to suggest for yet */
  disabled: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className="newrun-suggest"
      aria-label={ASKS[what]}
      title={`Run ${FINDER[what]} on this model, dataset and settings`}
      disabled={disabled || state.busy}
      aria-busy={state.busy || undefined}
      onClick={onClick}
    >
      {state.busy ? "Suggesting…" : "Suggest"}
    </button>
  );
}

/** Under the field: the finder at work (status, seconds), then what it suggested (with the loss curve for a
 * learning rate), or why it could not. */
export function SuggestionNote({ what, state }: { what: SuggestionWhat; state: SuggestionState }) {
  const { busy, done, error } = state;
  if (!busy && !done && !error) return null;
  return (
    <div className="newrun-suggestion" data-testid={`suggestion-${what}`}>
      {busy && (
        <span role="status" className="small muted">
          {capitalised(FINDER[what])}: {state.status} · {state.elapsed} s
        </span>
      )}
      {!busy && done && (
        <>
          <span className="small newrun-suggested">
            suggested {what === "lr" ? formatRate(suggestedValue(done)!) : suggestedValue(done)} by {FINDER[what]}
          </span>
          {what === "lr" && <LrCurveChart curve={done.curve ?? []} suggested={suggestedValue(done)!} />}
        </>
      )}
      {!busy && <ErrorNotice error={error} title={what === "lr" ? "No learning rate was suggested" : "No batch size was suggested"} />}
    </div>
  );
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
