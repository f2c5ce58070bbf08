/** The comparison of runs: its address in the UI, and its query (``GET /runs/compare``). */
import { useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { ACTIVE } from "../runs/filters";
import type { RunComparison } from "../types";

export const MIN_COMPARED = 2;
export const MAX_COMPARED = 10;

export const compareKey = (ids: string[]) => ["compare", ids.join(",")] as const;

/** The compare page of these runs: ``/runs/compare?ids=a,b`` (under /runs, which the server answers with the app). */
export function comparePath(ids: string[]): string {
  return `/runs/compare?ids=${ids.map(encodeURIComponent).join(",")}`;
}

/** The run ids of a compare page's address, each once. */
export function idsOf(params: URLSearchParams): string[] {
  const ids = (params.get("ids") ?? "").split(",").map((id) => id.trim());
  return [...new Set(ids.filter(Boolean))];
}

/** The runs side by side, refreshed while one of them is still training. */
export function useComparison(ids: string[]) {
  return useQuery({
    queryKey: compareKey(ids),
    queryFn: () => api<RunComparison>(`/api/v1/runs/compare${query({ ids: ids.join(",") })}`),
    enabled: ids.length >= MIN_COMPARED,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => ACTIVE.includes(r.status)) ? 5000 : false),
  });
}
