"""A run's states and the moves between them (ARCHITECTURE.md "A run's life").

Every change of status goes through :func:`move`, which checks the transition and appends a
``status`` event in the same transaction, so the event log and SSE never miss one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict
from visionyard.db.models import Event, Run, utcnow

QUEUED, RUNNING, RESTARTING, PAUSED = "queued", "running", "restarting", "paused"
COMPLETED, FAILED, STOPPED = "completed", "failed", "stopped"
STATUSES = (QUEUED, RUNNING, RESTARTING, PAUSED, COMPLETED, FAILED, STOPPED)
ACTIVE = (RUNNING, RESTARTING)
"""Statuses that hold a device slot."""
FINISHED = (COMPLETED, FAILED, STOPPED)

ALLOWED: dict[str, set[str]] = {
    QUEUED: {RUNNING, PAUSED, STOPPED},
    RUNNING: {COMPLETED, FAILED, STOPPED, PAUSED, RESTARTING},
    RESTARTING: {RUNNING, FAILED, STOPPED, PAUSED},
    PAUSED: {QUEUED, STOPPED},
    STOPPED: {QUEUED},
    FAILED: {QUEUED},
    COMPLETED: {QUEUED},
}


class TransitionError(Conflict):
    """A control action that the run's current status does not allow (HTTP 409)."""

    code = "transition_not_allowed"

    def __init__(self, run: Run, action: str):
        self.run_id, self.run_status, self.action = run.id, run.status, action
        super().__init__(f"cannot {action} run {run.id}: it is {run.status}")


def add_event(session: Session, run_id: str | None, kind: str, /, **data: Any) -> None:
    session.add(Event(run_id=run_id, kind=kind, data=data))


def last_event_id(session: Session, run_id: str) -> int:
    return session.scalar(select(func.max(Event.id)).where(Event.run_id == run_id)) or 0


def move(session: Session, run: Run, status: str, reason: str | None = None, **fields: Any) -> None:
    """Set ``run.status`` (checked against :data:`ALLOWED`) and other fields, with a status event.

    A run that moves has no worker any more (a new claim records the next one)."""
    if status not in ALLOWED[run.status]:
        raise TransitionError(run, f"move to {status}")
    previous, now = run.status, utcnow()
    run.status = status
    for key, value in fields.items():
        setattr(run, key, value)
    if status == QUEUED:
        run.queued_at = now
        run.finished_at = None
    if status in FINISHED or status == PAUSED:
        run.control = None
    if status in FINISHED:
        run.finished_at = now
    run.worker_pid = run.worker_host = run.worker_started = None
    add_event(
        session,
        run.id,
        "status",
        status=status,
        previous=previous,
        attempt=run.attempt,
        reason=reason,
        at=iso(now),
    )


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None
