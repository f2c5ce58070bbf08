import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, ApiError, post, type FieldError } from "../api";
import { keys } from "../queries";
import { JOB_DONE } from "../run/keys";
import type { Suggestion, SuggestionCreate, SuggestionWhat } from "./types";

/** Who found the value, for "suggested 3.2e-3 by the learning-rate finder". */
export const FINDER: Record<SuggestionWhat, string> = {
  lr: "the learning-rate finder",
  batch_size: "the batch-size finder",
};

const POLL_MS = 1000;

export const suggestionKey = (id: string) => [...keys.suggestions, id] as const;
const suggestionPath = (id: string) => `/api/v1/suggestions/${encodeURIComponent(id)}`;

/** The suggested value of a completed suggestion: its rate or its batch size. */
export function suggestedValue(suggestion: Suggestion): number | null {
  return (suggestion.what === "lr" ? suggestion.lr : suggestion.batch_size) ?? null;
}

export interface SuggestionState {
  /** queue the finder on this model, dataset and config */
  ask: (body: Omit<SuggestionCreate, "what">) => void;
  /** asked and not yet completed or failed */
  busy: boolean;
  /** "asking" until the server has queued it, then the job's status */
  status: string;
  /** seconds since the button was pressed, while busy */
  elapsed: number;
  /** the suggestion once completed with a value */
  done: Suggestion | null;
  /** why there is no suggestion: the server's error answer, a failed job or a poll that failed */
  error: unknown;
  /** a 422's field reasons, to be shown at their fields like the form's own */
  problems: FieldError[];
  /** forget the suggestion (another model or dataset was chosen) */
  reset: () => void;
}

/**
 * One "Suggest" of the new-run form: POST /suggestions, then GET it every second until it is completed or failed;
 * ``onSuggested`` is called once with the value of a completed one (the form fills the field with it).
 */
export function useSuggestion(what: SuggestionWhat, onSuggested: (value: number) => void): SuggestionState {
  const client = useQueryClient();
  const [asked, setAsked] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const startedAt = useRef(0);
  const filled = useRef<string | null>(null);
  /** counts resets, so that an answer to a suggestion forgotten meanwhile is dropped */
  const generation = useRef(0);

  const create = useMutation({
    mutationFn: (body: Omit<SuggestionCreate, "what">) => post<Suggestion>("/api/v1/suggestions", { ...body, what }),
    onMutate: () => {
      startedAt.current = Date.now();
      setNow(startedAt.current);
      setAsked(null);
      return generation.current;
    },
    onSuccess: (suggestion, _body, askedIn) => {
      if (askedIn !== generation.current) return;
      client.setQueryData(suggestionKey(suggestion.id), suggestion);
      setAsked(suggestion.id);
    },
  });

  const polled = useQuery({
    queryKey: suggestionKey(asked ?? ""),
    queryFn: () => api<Suggestion>(suggestionPath(asked!)),
    enabled: !!asked,
    refetchInterval: (q) => (q.state.data && JOB_DONE.has(q.state.data.status) ? false : POLL_MS),
    refetchIntervalInBackground: true,
  });

  const suggestion = asked ? polled.data : undefined;
  const finished = !!suggestion && JOB_DONE.has(suggestion.status);
  const busy = create.isPending || (!!asked && !finished && !polled.error);
  const value = suggestion?.status === "completed" ? suggestedValue(suggestion) : null;

  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [busy]);

  useEffect(() => {
    if (!suggestion || value === null || filled.current === suggestion.id) return;
    filled.current = suggestion.id;
    onSuggested(value);
  }, [suggestion, value, onSuggested]);

  const problems = create.error instanceof ApiError && create.error.status === 422 ? create.error.fields : [];
  let error: unknown = null;
  if (create.error && !problems.length) error = create.error;
  else if (polled.error && !finished) error = polled.error;
  else if (finished && suggestion.status !== "completed") error = new Error(suggestion.error || "the job failed");
  else if (finished && value === null) error = new Error(`${FINDER[what]} gave no value`);

  return {
    ask: (body) => create.mutate(body),
    busy,
    status: create.isPending ? "asking" : (suggestion?.status ?? "queued"),
    elapsed: Math.max(0, Math.round((now - startedAt.current) / 1000)),
    done: value !== null ? suggestion! : null,
    error,
    problems,
    reset: () => {
      generation.current += 1;
      create.reset();
      setAsked(null);
    },
  };
}
