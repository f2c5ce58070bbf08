"""Following the event log: what a follower (the MLflow mirror, the notifier) has not seen yet, and its cursor.

Every state change is appended to ``events`` in the transaction that makes it, so a follower that reads
after its cursor (``cursors.name``) and moves the cursor when it is done sees every change once, in order,
across restarts.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.db.models import Cursor, Event, utcnow

GAP_GRACE = timedelta(seconds=5)
"""On PostgreSQL a lower event id may commit after a higher one: a fresh gap is waited for this long."""


def position(session: Session, name: str) -> int | None:
    """The id of the last event the follower is done with; None before its first move."""
    cursor = session.get(Cursor, name)
    return cursor.event_id if cursor else None


def events_after(session: Session, after: int, limit: int) -> list[Event]:
    """Up to ``limit`` events after ``after``, in order, stopping before a gap that may still fill in."""
    events = list(session.scalars(select(Event).where(Event.id > after).order_by(Event.id).limit(limit)))
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: ids commit in order
        return events
    return until_fresh_gap(events, after)


def until_fresh_gap(events: list[Event], after: int) -> list[Event]:
    """Events up to the first gap in ids that is younger than :data:`GAP_GRACE` (it may yet fill in)."""
    expected, fresh = after + 1, utcnow() - GAP_GRACE
    for index, event in enumerate(events):
        if event.id != expected and event.created_at > fresh:
            return events[:index]
        expected = event.id + 1
    return events


def move_to(session: Session, name: str, event_id: int, *, back: bool = False) -> None:
    """Record that the follower is done up to ``event_id`` (never backwards unless ``back``)."""
    cursor = session.get(Cursor, name) or Cursor(name=name, event_id=0)
    cursor.event_id = event_id if back else max(cursor.event_id or 0, event_id)
    session.add(cursor)
