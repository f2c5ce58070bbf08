/** Live run events over SSE, read with fetch so the token goes with them; reconnects with Last-Event-ID. */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { useEffect, useRef, useState } from "react";
import { authHeaders } from "./api";

export interface RunEvent {
  id: number;
  kind: string;
  at: string;
  [key: string]: unknown;
}

export type StreamState = "connecting" | "live" | "reconnecting" | "ended";

/** Takes each event with its SSE event name (``status``, ``epoch``, ``checkpoint``...): the JSON's
 * own ``kind`` may be the event data's (a checkpoint's best/last, a job's test/export). */
export type RunEventHandler = (type: string, event: RunEvent) => void;

const RETRY_MS = 1500;

/** Calls ``onEvent`` for every event of the run, in order and once each, across reconnects. */
export function useRunEvents(runId: string | undefined, onEvent: RunEventHandler): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (!runId) return;
    const abort = new AbortController();
    let lastId = 0;

    async function connect(): Promise<boolean> {
      const headers = authHeaders({ Accept: "text/event-stream" });
      if (lastId) headers.set("Last-Event-ID", String(lastId));
      const response = await fetch(`/api/v1/runs/${encodeURIComponent(runId!)}/metrics/stream`, {
        headers,
        signal: abort.signal,
      });
      if (!response.ok || !response.body) return response.status === 404;
      setState("live");
      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          if (!message.event || message.event === "ping" || !message.id) return;
          const id = Number(message.id);
          if (id <= lastId) return;
          lastId = id;
          handler.current(message.event, JSON.parse(message.data) as RunEvent);
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return true;
        parser.feed(value);
      }
    }

    (async () => {
      while (!abort.signal.aborted) {
        try {
          if (await connect()) {
            setState("ended");
            return;
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        setState("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    })();
    return () => abort.abort();
  }, [runId]);

  return state;
}
