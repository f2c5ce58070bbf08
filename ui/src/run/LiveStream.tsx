import { useRunEvents, type RunEventHandler, type StreamState } from "../sse";

const TEXT: Record<StreamState, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  ended: "final",
};
const TITLE: Record<StreamState, string> = {
  connecting: "Connecting to the run's live events",
  live: "Receiving the run's events as they happen",
  reconnecting: "The live connection dropped; reconnecting without missing events",
  ended: "The run has finished: everything it reported is shown",
};

/** Subscribes to the run's events and shows the connection state discreetly. */
export function LiveStream({ runId, onEvent }: { runId: string; onEvent: RunEventHandler }) {
  const state = useRunEvents(runId, onEvent);
  return (
    <span className={`stream stream-${state}`} title={TITLE[state]} data-testid="stream-state" data-state={state}>
      <span className="stream-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
