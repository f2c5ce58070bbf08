import { StatusBadge } from "../components/StatusBadge";

/** What a test or export job was made from: the checkpoint's kind (or path) and epoch. */
export function CheckpointCell({
  job,
}: {
  job: { checkpoint: string | null; checkpoint_kind: string | null; checkpoint_epoch: number | null };
}) {
  return (
    <>
      {job.checkpoint_kind ?? job.checkpoint}
      {job.checkpoint_epoch != null && <span className="muted small"> · epoch {job.checkpoint_epoch}</span>}
    </>
  );
}

/** A job's status, with its error under it when it failed. */
export function JobStatusCell({ job }: { job: { status: string; error: string | null } }) {
  return (
    <>
      <StatusBadge status={job.status} />
      {job.error && <div className="field-error">{job.error}</div>}
    </>
  );
}
