/** Sweeps' react-query keys, API paths and queries. Every key starts with ``keys.sweeps``, so a change
 * made on one page (a sweep created, paused, deleted) refreshes the lists and the sweep alike. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, query } from "../api";
import { keys } from "../queries";
import type { SweepList, SweepPublic } from "./types";

export const sweepKeys = {
  list: (path: string) => [...keys.sweeps, "list", path] as const,
  sweep: (id: string) => [...keys.sweeps, "detail", id] as const,
};

export function sweepPath(id: string, rest = ""): string {
  return `/api/v1/sweeps/${encodeURIComponent(id)}${rest}`;
}

/** The UI's page of a sweep. */
export const sweepPage = (id: string) => `/sweeps/${encodeURIComponent(id)}`;

/** Sweep statuses in which trials may still start or train. */
export const LIVE = new Set(["running", "paused"]);

/** A sweep's name for people: its name, or its id. */
export const sweepLabel = (sweep: { id: string; name: string | null }) => sweep.name || sweep.id;

const REFRESH_MS = 2000;

/** A page of sweeps, newest first; with ``live``, refreshed every two seconds while one of them is running,
 * paused or has trials still ending. */
export function useSweepList(limit: number, offset = 0, live = true) {
  const path = `/api/v1/sweeps${query({ limit, offset })}`;
  return useQuery({
    queryKey: sweepKeys.list(path),
    queryFn: () => api<SweepList>(path),
    placeholderData: keepPreviousData,
    refetchInterval: (q) =>
      live && q.state.data?.items.some((s) => LIVE.has(s.status) || !s.finished_at) ? REFRESH_MS : false,
  });
}

/** One sweep with its trials, refreshed every two seconds until its last trial is accounted for. */
export function useSweep(id: string) {
  return useQuery({
    queryKey: sweepKeys.sweep(id),
    queryFn: () => api<SweepPublic>(sweepPath(id)),
    refetchInterval: (q) => (!q.state.data || q.state.data.finished_at ? false : REFRESH_MS),
  });
}
