"""Jobs on a trained run (test runs, exports), done by worker processes: create, claim, finish, list.

Torch-free. Everything a job's worker needs is checked and written into ``params`` when the job is
created, so a bad request is a 4xx here and not a failed job later.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, NotFound
from visionyard.core import lifecycle
from visionyard.data import formats
from visionyard.db.models import Checkpoint, Job, Run, utcnow
from visionyard.services import datasets
from visionyard.services.runs import RunSetupError, get_run, new_run_id
from visionyard.storage.artifacts import ArtifactStore, StorageError, artifact_store
from visionyard.storage.run_folder import RunFolder, check_run_id

if TYPE_CHECKING:
    from visionyard.core.context import Context
    from visionyard.db.session import Database

log = logging.getLogger("visionyard.jobs")

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
FAILED_PARITY = "failed_parity"
"""An export written but outside its parity tolerance."""
FINISHED = (COMPLETED, FAILED, FAILED_PARITY)
SPLITS = ("test", "val", "train")


class JobNotFound(NotFound):
    code = "job_not_found"

    def __init__(self, job_id: str):
        super().__init__(f"no job {job_id!r}")


class NoCheckpoint(Conflict):
    """A run with no checkpoint yet (HTTP 409: nothing to test, export or predict with)."""

    code = "no_checkpoint"


class JobNotFinished(Conflict):
    """A job whose results are asked for before it completed (HTTP 409)."""

    code = "job_not_finished"


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
    classes = run_classes(ctx, run_id, own[1], task)
    if task != "change_detection" and data.classes != classes:
        trained = f"run {run_id} was trained on {classes}"
        raise RunSetupError(f"dataset {name!r} has classes {data.classes}; {trained} (same names, same order)")
    split = spec.split or ("test" if "test" in data.splits else None)
    available = [s for s in SPLITS if s in data.splits or (s == "val" and path == own[1])]
    if split is None or split not in available:
        wanted = f"split {split!r}" if split else "a test split"
        raise RunSetupError(f"dataset {name!r} has no {wanted}; choose split from: {', '.join(available)}")
    params = {**checkpoint, "dataset": name, "dataset_path": str(path), "split": split}
    params["score_threshold"] = spec.score_threshold
    job = Job(id=new_run_id(), run_id=run_id, kind="test", status=QUEUED, params=params)
    with ctx.db.write() as session:
        session.add(job)
    return job


def resolve_checkpoint(
    session: Session, runs_dir: Path, run: Run, selector: str, store: ArtifactStore | None = None
) -> dict[str, Any]:
    """The checkpoint file a selector names, with its epoch, as job params (path relative to the run).

    With a ``store``, a checkpoint that is only in the artifact store counts, and the chosen one is pulled."""
    rows = list(session.scalars(select(Checkpoint).where(Checkpoint.run_id == run.id).order_by(Checkpoint.id)))
    folder = RunFolder.of(runs_dir, run.id)
    if not any(_available(folder.root / r.path, store) for r in rows):
        raise NoCheckpoint(f"run {run.id} ({run.status}) has no checkpoint yet")
    if selector in ("best", "last"):
        chosen = [r for r in rows if r.kind == selector]
    elif selector.startswith("epoch:") and selector.removeprefix("epoch:").isdigit():
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


def run_classes(ctx: Context, run_id: str, dataset_path: Path, task: str) -> list[str]:
    """The classes a run was trained on (recorded in run.json; older runs: its dataset's)."""
    folder = RunFolder.of(ctx.settings.runs_dir, run_id)
    artifact_store(ctx.settings).ensure_local(folder.run_json)
    recorded = json.loads(folder.run_json.read_text()).get("classes") if folder.exists() else None
    return list(recorded) if recorded else formats.load(dataset_path, task, verify=False).classes


def get_job(session: Session, run_id: str, job_id: str, kind: str | None = None) -> Job:
    job = session.get(Job, check_run_id(job_id))
    if job is None or job.run_id != run_id or (kind and job.kind != kind):
        raise JobNotFound(job_id)
    return job


def list_jobs(session: Session, run_id: str, kind: str) -> list[Job]:
    get_run(session, run_id)
    query = select(Job).where(Job.run_id == run_id, Job.kind == kind).order_by(Job.created_at, Job.id)
    return list(session.scalars(query))


def job_folder(ctx: Context, job: Job) -> Path:
    return RunFolder.of(ctx.settings.runs_dir, job.run_id).job_folder(job.kind, job.id)


def delete_job(ctx: Context, run_id: str, job_id: str, kind: str) -> None:
    with ctx.db.write() as session:
        job = get_job(session, run_id, job_id, kind)
        if job.status == RUNNING:
            raise JobNotFinished(f"job {job_id} is running")
        folder = job_folder(ctx, job)
        session.delete(job)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        artifact_store(ctx.settings).delete(folder)
    except StorageError as exc:
        log.warning("job %s: its files stay in the artifact store: %s", job_id, exc)


def claim_next_job(db: Database, max_running: int) -> str | None:
    """Move the oldest queued job to ``running`` when fewer than ``max_running`` run; its id, or None."""
    with db.session() as session:
        if session.scalar(select(Job.id).where(Job.status == QUEUED).limit(1)) is None:
            return None
    with db.serialised() as session:
        running = session.scalar(select(func.count()).where(Job.status == RUNNING)) or 0
        if running >= max_running:
            return None
        job = session.scalar(select(Job).where(Job.status == QUEUED).order_by(Job.created_at, Job.id).limit(1))
        if job is None:
            return None
        job.status, job.started_at = RUNNING, utcnow()
        return job.id


def claim_job(db: Database, job_id: str) -> bool:
    """Claim one given queued job (the foreground CLI)."""
    with db.serialised() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != QUEUED:
            return False
        job.status, job.started_at = RUNNING, utcnow()
        return True


def finish_job(
    session: Session, job: Job, status: str, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    job.status, job.finished_at = status, utcnow()
    job.result, job.error = result or job.result, error
    lifecycle.add_event(session, job.run_id, "job", id=job.id, kind=job.kind, status=status)
