"""Jobs on a trained run (test runs, exports), done by worker processes: create, list, delete.

Torch-free. Everything a job's worker needs is checked and written into ``params`` when the job is
created, so a bad request is a 4xx here and not a failed job later.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.common.statuses import JobStatus
from visionyard.common.tasks import task_spec
from visionyard.core import lifecycle
from visionyard.core.jobs import JobNotFinished, get_job, job_folder, resolve_checkpoint
from visionyard.core.runs import RunSetupError, get_run, new_run_id, run_classes
from visionyard.data import formats
from visionyard.db.models import Job
from visionyard.services import datasets
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.s3 import StorageError

if TYPE_CHECKING:
    from visionyard.core.context import Context

log = logging.getLogger("visionyard.jobs")

SPLITS = ("test", "val", "train")


@dataclass
class TestSpec:
    checkpoint: str = "best"
    """``best``, ``last``, ``epoch:N`` or a checkpoint file of the run (``manual-step120.ckpt``)."""
    dataset: str | None = None
    """Another dataset with the same classes; the run's own when unset."""
    split: str | None = None
    """``test`` (the default when the dataset has one), ``val`` or ``train``."""
    score_threshold: float = 0.25


def create_test(ctx: Context, run_id: str, spec: TestSpec) -> Job:
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        checkpoint = resolve_checkpoint(
            session, ctx.settings.runs_dir, run, spec.checkpoint, artifact_store(ctx.settings)
        )
        task, own = run.task, (run.dataset, Path(run.dataset_path))
    name, path = datasets.resolve(ctx, spec.dataset) if spec.dataset else own
    try:
        data = formats.load(path, task, verify=False)
    except formats.FormatMismatch as exc:
        raise RunSetupError(f"dataset {name!r} cannot test a {task} model: {exc}") from None
    classes = run_classes(ctx.settings, run_id, own[1], task)
    if task_spec(task).fixed_classes is None and data.classes != classes:
        trained = f"run {run_id} was trained on {classes}"
        raise RunSetupError(f"dataset {name!r} has classes {data.classes}; {trained} (same names, same order)")
    split = spec.split or ("test" if "test" in data.splits else None)
    available = [s for s in SPLITS if s in data.splits or (s == "val" and path == own[1])]
    if split is None or split not in available:
        wanted = f"split {split!r}" if split else "a test split"
        raise RunSetupError(f"dataset {name!r} has no {wanted}; choose split from: {', '.join(available)}")
    params = {**checkpoint, "dataset": name, "dataset_path": str(path), "split": split}
    params["score_threshold"] = spec.score_threshold
    job = Job(id=new_run_id(), run_id=run_id, kind="test", status=JobStatus.QUEUED, params=params)
    with ctx.db.write() as session:
        session.add(job)
    return job


def list_jobs(session: Session, run_id: str, kind: str) -> list[Job]:
    get_run(session, run_id)
    query = select(Job).where(Job.run_id == run_id, Job.kind == kind).order_by(Job.created_at, Job.id)
    return list(session.scalars(query))


def delete_job(ctx: Context, run_id: str, job_id: str, kind: str) -> None:
    with ctx.db.write() as session:
        job = get_job(session, run_id, job_id, kind)
        if job.status == JobStatus.RUNNING:
            raise JobNotFinished(f"job {job_id} is running")
        folder = job_folder(ctx.settings, job)
        session.delete(job)
        lifecycle.add_event(session, run_id, "job_deleted", job_id=job_id, job_kind=kind)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        artifact_store(ctx.settings).delete(folder)
    except StorageError as exc:
        log.warning("job %s: its files stay in the artifact store: %s", job_id, exc)
