"""What a run has recorded besides its metrics: the event log, its checkpoints and its logs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.core import lifecycle, telemetry
from visionyard.core.recovery import worker_log_tail
from visionyard.core.runs import get_run
from visionyard.db.models import Checkpoint, Event, Notification
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder

if TYPE_CHECKING:
    from visionyard.config import Settings

LogSource = Literal["training", "worker"]


def events(session: Session, run_id: str, after: int = 0, limit: int = 200) -> list[Event]:
    get_run(session, run_id)
    return events_after(session, after, limit, run_id)


def events_after(session: Session, after: int, limit: int, run_id: str | None = None) -> list[Event]:
    """Events with ids above ``after``, oldest first: all runs', or one run's."""
    query = select(Event).where(Event.id > after)
    if run_id is not None:
        query = query.where(Event.run_id == run_id)
    return list(session.scalars(query.order_by(Event.id).limit(limit)))


def system_samples(session: Session, run_id: str) -> list[dict[str, Any]]:
    get_run(session, run_id)
    return telemetry.system_samples(session, run_id)


def notifications(session: Session, run_id: str) -> list[dict[str, Any]]:
    """The run's notifications, oldest first, with the status each tells of."""
    get_run(session, run_id)
    rows = session.scalars(select(Notification).where(Notification.run_id == run_id).order_by(Notification.id))
    return [
        {
            "id": row.id,
            "target": row.target,
            "about": row.payload["run"]["status"],
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "next_at": row.next_at if row.status == "pending" else None,
            "created_at": row.created_at,
            "delivered_at": row.delivered_at,
        }
        for row in rows
    ]


def last_event_if_finished(session: Session, run_id: str) -> int | None:
    """The id of a finished run's last event (where its event stream ends); None while it can still change."""
    run = get_run(session, run_id)
    return lifecycle.last_event_id(session, run_id) if run.status in lifecycle.FINISHED else None


def checkpoints(session: Session, run_id: str) -> list[Checkpoint]:
    get_run(session, run_id)
    query = select(Checkpoint).where(Checkpoint.run_id == run_id).order_by(Checkpoint.created_at, Checkpoint.id)
    return list(session.scalars(query))


def log_lines(settings: Settings, session: Session, run_id: str, source: LogSource, lines: int) -> list[str]:
    """The last ``lines`` of the training log, or of the worker's own output (tracebacks, crashes)."""
    run = get_run(session, run_id)
    folder = RunFolder.of(settings.runs_dir, run.id)
    if run.executor == "ray":  # written on a node: as far as its last push
        artifact_store(settings).catch_up(folder.log_file if source == "training" else folder.worker_log)
    if source == "worker":
        return worker_log_tail(settings, run.id, lines).splitlines()
    return folder.log_tail(lines).splitlines()
