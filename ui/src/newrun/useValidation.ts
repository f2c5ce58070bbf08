import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { ApiError, post, query, type FieldError } from "../api";
import type { Validated } from "./types";
import { useDebounced } from "./useDebounced";

export interface Validation {
  valid: boolean;
  problems: FieldError[];
  /** valid settings the model was not made for (an image size it does not support) */
  warnings: FieldError[];
  /** the resolved config when valid */
  config?: Record<string, unknown>;
}

/** A 422 with field reasons is an answer ("not valid, because..."), not a failure of the check. */
async function check(model: string, preset: string, body: string): Promise<Validation> {
  const path = `/api/v1/models/${encodeURIComponent(model)}/validate-config${query({ preset })}`;
  try {
    const answer = await post<Validated>(path, JSON.parse(body));
    return { valid: true, problems: [], warnings: answer.warnings, config: answer.config };
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.fields.length)
      return { valid: false, problems: error.fields, warnings: [] };
    throw error;
  }
}

/**
 * Checks the config against the model's schema as the user edits (debounced), keeping the last
 * answer on screen while the next is on its way. ``checkNow`` checks the current values at once.
 */
export function useValidation(
  model: string | undefined,
  preset: string,
  config: Record<string, unknown>,
  enabled: boolean,
) {
  const client = useQueryClient();
  const body = JSON.stringify(config);
  const [settled, flush] = useDebounced(body, 400);
  const result = useQuery({
    queryKey: ["validate-config", model, preset, settled],
    queryFn: () => check(model!, preset, settled),
    enabled: enabled && !!model,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  const checkNow = useCallback(async () => {
    const answer = await client.fetchQuery({
      queryKey: ["validate-config", model, preset, body],
      queryFn: () => check(model!, preset, body),
      staleTime: Infinity,
    });
    flush();
    return answer;
  }, [client, model, preset, body, flush]);
  return { result, checking: result.isFetching || settled !== body, checkNow };
}
