"""Jobs (test runs and exports of a trained run, suggestions before one) as their workers and the scheduler see
them (torch-free)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, NotFound
from visionyard.config import Settings
from visionyard.core import lifecycle
from visionyard.db.models import Job
from visionyard.storage.run_folder import RunFolder, check_run_id


class JobNotFound(NotFound):
    code = "job_not_found"

    def __init__(self, job_id: str):
        super().__init__(f"no job {job_id!r}")


class JobNotFinished(Conflict):
    """A job whose results are asked for before it completed (HTTP 409)."""

    code = "job_not_finished"


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
