import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { JOB_DONE, runKeys, runPath } from "./keys";
import type { ExportJob, TestRun } from "./types";

/** A run's jobs of one kind, polled while any of them has not finished. */
function useJobList<T extends { status: string }>(queryKey: readonly unknown[], path: string) {
  return useQuery({
    queryKey,
    queryFn: () => api<T[]>(path),
    refetchInterval: (q) => (q.state.data?.some((job) => !JOB_DONE.has(job.status)) ? 2000 : false),
  });
}

export function useTests(runId: string) {
  return useJobList<TestRun>(runKeys.tests(runId), runPath(runId, "/tests"));
}

export function useExports(runId: string) {
  return useJobList<ExportJob>(runKeys.exports(runId), runPath(runId, "/exports"));
}
