"""What a worker reports between epochs: step progress and system samples, kept in the event log (so SSE
streams carry them as ``progress`` and ``system`` events) but bounded, so a week-long run does not grow
the database without end: progress events older than a minute go (the run row keeps the latest), and a
run's system samples, past :data:`SYSTEM_KEPT`, are thinned to every other one in their older half."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from visionyard.core import lifecycle
from visionyard.db.models import Event, Run, utcnow

PROGRESS_KEPT = timedelta(seconds=60)
SYSTEM_KEPT = 2000


def record_progress(session: Session, run: Run, values: dict[str, Any]) -> None:
    run.progress = values
    cutoff = utcnow() - PROGRESS_KEPT
    session.execute(delete(Event).where(Event.run_id == run.id, Event.kind == "progress", Event.created_at < cutoff))
    lifecycle.add_event(session, run.id, "progress", **values)


def record_system(session: Session, run_id: str, sample: dict[str, Any]) -> None:
    lifecycle.add_event(session, run_id, "system", **sample)
    of_run = (Event.run_id == run_id) & (Event.kind == "system")
    if (session.scalar(select(func.count()).where(of_run)) or 0) < SYSTEM_KEPT:
        return
    older = session.scalars(select(Event.id).where(of_run).order_by(Event.id).limit(SYSTEM_KEPT // 2)).all()
    session.execute(delete(Event).where(Event.id.in_(older[1::2])))


def system_samples(session: Session, run_id: str) -> list[dict[str, Any]]:
    """The run's system samples, oldest first, each with its time (``at``)."""
    events = session.scalars(select(Event).where(Event.run_id == run_id, Event.kind == "system").order_by(Event.id))
    return [{"at": lifecycle.iso(e.created_at), **e.data} for e in events]
