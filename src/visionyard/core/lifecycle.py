"""Runs' and jobs' states and the moves between them (ARCHITECTURE.md "A run's life").

Every change of status goes through :func:`move`, which checks the transition and appends an event in
the same transaction, so the event log and SSE never miss one; a run's ``run.json`` takes its new status
when that transaction commits, so the folder and the database never disagree.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, DiskFull
from visionyard.common.statuses import JobStatus, RunStatus
from visionyard.db.models import Event, Job, Run, utcnow
from visionyard.storage.run_folder import RunFolder

log = logging.getLogger("visionyard.core")

ACTIVE = (RunStatus.RUNNING, RunStatus.RESTARTING)
"""Run statuses that hold a device slot."""
FINISHED = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.STOPPED, RunStatus.PRUNED)
JOB_FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.FAILED_PARITY)

RUN_MOVES: dict[str, set[RunStatus]] = {
    RunStatus.QUEUED: {RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.STOPPED},
    RunStatus.RUNNING: {
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.STOPPED,
        RunStatus.PAUSED,
        RunStatus.RESTARTING,
        RunStatus.PRUNED,
    },
    RunStatus.RESTARTING: {RunStatus.RUNNING, RunStatus.FAILED, RunStatus.STOPPED, RunStatus.PAUSED},
    RunStatus.PAUSED: {RunStatus.QUEUED, RunStatus.STOPPED},
    RunStatus.STOPPED: {RunStatus.QUEUED},
    RunStatus.FAILED: {RunStatus.QUEUED},
    RunStatus.COMPLETED: {RunStatus.QUEUED},
    RunStatus.PRUNED: {RunStatus.QUEUED},
}
JOB_MOVES: dict[str, set[JobStatus]] = {
    JobStatus.QUEUED: {JobStatus.RUNNING},
    JobStatus.RUNNING: {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.FAILED_PARITY},
}
Action = Literal["pause", "stop", "resume", "extend", "retry", "checkpoint", "delete"]
ACCEPTED_IN: dict[Action, tuple[RunStatus, ...]] = {
    "pause": (RunStatus.RUNNING, RunStatus.QUEUED, RunStatus.RESTARTING),
    "stop": (RunStatus.RUNNING, RunStatus.QUEUED, RunStatus.RESTARTING, RunStatus.PAUSED),
    "resume": (RunStatus.PAUSED, RunStatus.STOPPED, RunStatus.FAILED, RunStatus.PRUNED),
    "extend": (RunStatus.PAUSED, RunStatus.STOPPED, RunStatus.FAILED, RunStatus.COMPLETED, RunStatus.PRUNED),
    "retry": (RunStatus.FAILED,),
    "checkpoint": (RunStatus.RUNNING,),
    "delete": (RunStatus.QUEUED, RunStatus.PAUSED, *FINISHED),
}
"""The statuses each action is accepted in: ``extend`` is a resume to more epochs (a completed run too)."""


def actions(run: Run) -> list[Action]:
    """What a user can do with the run now, in the order a UI shows them (a request already pending is
    not offered again)."""
    pending = {
        "pause": ("pause", "stop"),
        "stop": ("stop",),
        "checkpoint": ("pause", "pause_epoch", "stop", "checkpoint"),
    }
    return [
        action
        for action, statuses in ACCEPTED_IN.items()
        if run.status in statuses and run.control not in pending.get(action, ())
    ]


_PENDING = "visionyard.run_json"
"""``session.info`` key: run.json updates waiting for their transaction to commit."""


class TransitionError(Conflict):
    """A control action that the run's current status does not allow (HTTP 409)."""

    code = "transition_not_allowed"

    def __init__(self, item: Run | Job, action: str):
        self.item_id, self.item_status, self.action = item.id, item.status, action
        what = "run" if isinstance(item, Run) else f"{item.kind} job"
        super().__init__(f"cannot {action} {what} {item.id}: it is {item.status}")


def add_event(session: Session, run_id: str | None, kind: str, /, **data: Any) -> None:
    session.add(Event(run_id=run_id, kind=kind, data=data))


def last_event_id(session: Session, run_id: str) -> int:
    return session.scalar(select(func.max(Event.id)).where(Event.run_id == run_id)) or 0


def log_mark(session: Session, run_id: str) -> tuple[int, int | None]:
    """How many events the run has and the newest one's id. Every change to a run, its checkpoints and its
    jobs is appended to the log in the transaction that makes it, so what was read from those rows under the
    same mark is still true; a log that grew (an id committed out of order on PostgreSQL included) or lost
    its old progress events has another."""
    marked = select(func.count(Event.id), func.max(Event.id)).where(Event.run_id == run_id)
    count, newest = session.execute(marked).one()
    return count, newest


def move(session: Session, item: Run | Job, status: str, reason: str | None = None, **fields: Any) -> None:
    """Set a run's or a job's status (checked against its moves) and other fields, with its event.

    A run that moves has no worker any more (a new claim records the next one); one that is no longer
    active gives its GPUs back to the pool."""
    if isinstance(item, Job):
        _move_job(session, item, JobStatus(status), fields)
        return
    status = RunStatus(status)
    if status not in RUN_MOVES[item.status]:
        raise TransitionError(item, f"move to {status}")
    previous, now = item.status, utcnow()
    item.status = status
    for key, value in fields.items():
        setattr(item, key, value)
    if status == RunStatus.QUEUED:
        item.queued_at, item.finished_at = now, None
    if status in FINISHED or status == RunStatus.PAUSED:
        item.control = None
    if status in FINISHED:
        item.finished_at = now
    if status not in ACTIVE:
        item.assigned_devices = None  # back to the pool
    item.worker_pid = item.worker_host = item.worker_started = None
    item.progress = None
    at = iso(now)
    add_event(session, item.id, "status", status=status, previous=previous, attempt=item.attempt, reason=reason, at=at)
    record = {"status": str(status), **({"error": fields["error"]} if "error" in fields else {})}
    session.info.setdefault(_PENDING, {}).setdefault(item.id, {}).update(record)


def _move_job(session: Session, job: Job, status: JobStatus, fields: dict[str, Any]) -> None:
    if status not in JOB_MOVES.get(job.status, set()):
        raise TransitionError(job, f"move to {status}")
    job.status = status
    for key, value in fields.items():
        setattr(job, key, value)
    if status == JobStatus.RUNNING:
        job.started_at = utcnow()
    if status in JOB_FINISHED:
        job.finished_at = utcnow()
    add_event(session, job.run_id, "job", id=job.id, kind=job.kind, status=status)


@event.listens_for(Session, "after_commit")
def _write_run_json(session: Session) -> None:
    pending: dict[str, dict[str, Any]] = session.info.pop(_PENDING, {})
    runs_dir: Path | None = session.info.get("runs_dir")
    for run_id, changes in pending.items():
        folder = RunFolder.of(runs_dir, run_id) if runs_dir else None
        if folder is not None and folder.run_json.is_file():
            try:
                folder.update_run(**changes)
            except (OSError, DiskFull) as exc:  # the database has committed: it is the record
                log.warning("run %s: run.json not updated: %s", run_id, exc)


@event.listens_for(Session, "after_rollback")
def _forget_run_json(session: Session) -> None:
    session.info.pop(_PENDING, None)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None
