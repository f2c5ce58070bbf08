"""Jobs (test runs and exports of a trained run, suggestions before one) as their workers and the scheduler see
them (torch-free): found, finished, their folders, the checkpoint one works on, and the one way an export job is
queued (by the API and by a worker whose run asked for an export for serving)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, Invalid, NotFound
from visionyard.common.export_formats import parse_request
from visionyard.common.statuses import JobStatus
from visionyard.config import Settings
from visionyard.core import lifecycle
from visionyard.core.runs import RunSetupError, new_run_id
from visionyard.db.models import Checkpoint, Job, Run
from visionyard.storage.artifacts import ArtifactStore, artifact_store
from visionyard.storage.run_folder import RunFolder, check_run_id
from visionyard.storage.s3 import StorageError

log = logging.getLogger("visionyard.jobs")

EXPORT = "export"
"""The kind of an export job."""
SERVE_FORMAT = "onnx"
"""The format of the export a run asks for with ``serve_export``, of its best checkpoint."""


class JobNotFound(NotFound):
    code = "job_not_found"

    def __init__(self, job_id: str):
        super().__init__(f"no job {job_id!r}")


class JobNotFinished(Conflict):
    """A job whose results are asked for before it completed (HTTP 409)."""

    code = "job_not_finished"


class NoCheckpoint(Conflict):
    """A run with no checkpoint yet (HTTP 409: nothing to test, export or predict with)."""

    code = "no_checkpoint"


def get_job(session: Session, run_id: str, job_id: str, kind: str | None = None) -> Job:
    job = session.get(Job, check_run_id(job_id))
    if job is None or job.run_id != run_id or (kind and job.kind != kind):
        raise JobNotFound(job_id)
    return job


def job_folder(settings: Settings, job: Job) -> Path:
    """Its run folder's ``<kind>s/<id>/``; ``HOME/jobs/<id>/`` for a job of no run."""
    if job.run_id is None:
        return settings.root / "jobs" / check_run_id(job.id)
    return RunFolder.of(settings.runs_dir, job.run_id).job_folder(job.kind, job.id)


def finish_job(
    session: Session, job: Job, status: str, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    lifecycle.move(session, job, status, result=result or job.result, error=error)


def resolve_checkpoint(
    session: Session, runs_dir: Path, run: Run, selector: str, store: ArtifactStore | None = None
) -> dict[str, Any]:
    """The checkpoint file a selector names, with its epoch, as job params (path relative to the run).

    With a ``store``, a checkpoint that is only in the artifact store counts, and the chosen one is pulled."""
    columns = select(Checkpoint.path, Checkpoint.kind, Checkpoint.epoch)  # rows, not entities: predict asks each call
    rows = session.execute(columns.where(Checkpoint.run_id == run.id).order_by(Checkpoint.id)).all()
    folder = RunFolder.of(runs_dir, run.id)
    if not any(_available(folder.root / r.path, store) for r in rows):
        raise NoCheckpoint(f"run {run.id} ({run.status}) has no checkpoint yet")
    if selector in ("best", "last"):
        chosen = [r for r in rows if r.kind == selector]
    elif selector.startswith("epoch:") and selector.removeprefix("epoch:").isdecimal():
        epoch = int(selector.removeprefix("epoch:"))
        chosen = sorted((r for r in rows if r.epoch == epoch), key=lambda r: r.kind != "best")
    else:
        chosen = [r for r in rows if selector in (r.path, Path(r.path).name)]
    row = next((r for r in chosen if _available(folder.root / r.path, store, pull=True)), None)
    if row is None:
        listed = ", ".join(f"{Path(r.path).name} (epoch {r.epoch})" for r in rows) or "none yet"
        raise RunSetupError(f"run {run.id} has no checkpoint {selector!r}; use best, last, epoch:N or one of: {listed}")
    return {"checkpoint": row.path, "checkpoint_kind": row.kind, "checkpoint_epoch": row.epoch}


def _available(path: Path, store: ArtifactStore | None, pull: bool = False) -> bool:
    """The file is here; or, with a store, in the store (and then pulled here when ``pull``)."""
    if store is None or path.is_file():
        return path.is_file()
    return store.ensure_local(path).is_file() if pull else store.exists(path)


def queue_export(
    session: Session,
    settings: Settings,
    run: Run,
    format: str,
    checkpoint: str = "best",
    options: dict[str, Any] | None = None,
) -> Job:
    """Add a queued export job of the run's checkpoint (``best``, ``last``, ``epoch:N`` or a file name) to the
    session's transaction; the scheduler runs it and its parity check decides whether it serves.

    Everything its worker needs is checked first: an unknown format or option (``ExportRequestInvalid``), a
    format this host cannot build (``FormatUnavailable``), no such checkpoint (``NoCheckpoint``,
    ``RunSetupError``). A checkpoint only in the artifact store is pulled here."""
    spec, parsed = parse_request(format, options or {})
    chosen = resolve_checkpoint(session, settings.runs_dir, run, checkpoint, artifact_store(settings))
    params = {**chosen, "format": spec.name, "options": parsed.model_dump()}
    job = Job(id=new_run_id(), run_id=run.id, kind=EXPORT, status=JobStatus.QUEUED, params=params)
    session.add(job)
    return job


def exports_of(session: Session, run_id: str, checkpoint: dict[str, Any], statuses: list[str]) -> list[Job]:
    """The run's export jobs in these statuses made from this checkpoint (its file at the same epoch), oldest
    first."""
    found = select(Job).where(Job.run_id == run_id, Job.kind == EXPORT, Job.status.in_(statuses))
    return [
        job
        for job in session.scalars(found.order_by(Job.created_at, Job.id))
        if (job.params["checkpoint"], job.params.get("checkpoint_epoch"))
        == (checkpoint["checkpoint"], checkpoint["checkpoint_epoch"])
    ]


def queue_serve_export(session: Session, settings: Settings, run: Run) -> Job | None:
    """The export for serving that a completed run with ``serve_export`` asked for: ONNX of its best checkpoint
    with the format's default options, queued in the caller's transaction. None, with a warning logged, where it
    cannot be made (no best checkpoint, a host without ONNX): the run's own outcome stands either way. An
    export of the same checkpoint epoch to ONNX that is queued, running or finished (an extended run whose best
    epoch did not change) is not made again."""
    try:
        chosen = resolve_checkpoint(session, settings.runs_dir, run, "best")
    except (NoCheckpoint, RunSetupError) as exc:
        log.warning("run %s: no export for serving: %s", run.id, exc)
        return None
    unfailed = [status for status in JobStatus if status != JobStatus.FAILED]
    for job in exports_of(session, run.id, chosen, unfailed):
        if job.params["format"] == SERVE_FORMAT:
            log.info("run %s: export %s (%s) is of its best checkpoint already", run.id, job.id, job.status)
            return None
    try:
        job = queue_export(session, settings, run, SERVE_FORMAT, "best")
    except (Invalid, Conflict, StorageError) as exc:  # FormatUnavailable; the checkpoint gone or unreadable
        log.warning("run %s: no export for serving: %s", run.id, exc)
        return None
    epoch = job.params["checkpoint_epoch"]
    log.info("run %s: export %s of its best checkpoint (epoch %s) to ONNX queued for serving", run.id, job.id, epoch)
    return job
