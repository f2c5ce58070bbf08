import { JOB_DONE } from "./keys";

/** "Test abc queued." for a job just asked for, following its status in ``jobs`` (the polled list),
 * until it has finished: the list shows it from then on. */
export function PendingJob({
  what,
  id,
  jobs,
  detail,
}: {
  what: string;
  id: string;
  jobs: { id: string; status: string }[] | undefined;
  detail?: string;
}) {
  const status = jobs?.find((job) => job.id === id)?.status ?? "queued";
  if (JOB_DONE.has(status)) return null;
  return (
    <span className="notice ok small" role="status">
      {what} {id} {status}
      {detail ? `: ${detail}` : "."}
    </span>
  );
}
