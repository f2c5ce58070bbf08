"""Claiming queued runs: oldest first, one device slot each, in one serialised transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.core import lifecycle
from visionyard.db.models import Run, utcnow
from visionyard.db.session import Database


def claim_next(db: Database, max_active: int) -> str | None:
    """Move the next runnable run to ``running`` and return its id, or None.

    A run restarting after a crash keeps its slot and goes first once its backoff has passed; a
    queued run needs a free slot. Two schedulers (or two clicks) can never claim one run twice.
    """
    now = utcnow()
    waiting = select(Run.id).where(Run.status.in_((lifecycle.QUEUED, lifecycle.RESTARTING))).limit(1)
    with db.session() as session:
        if session.scalar(waiting) is None:
            return None
    with db.serialised() as session:
        run = session.scalar(
            select(Run)
            .where(Run.status == lifecycle.RESTARTING, Run.not_before <= now)
            .order_by(Run.not_before, Run.id)
            .limit(1)
        )
        if run is None:
            active = session.scalar(select(func.count()).where(Run.status.in_(lifecycle.ACTIVE))) or 0
            if active >= max_active:
                return None
            run = session.scalar(
                select(Run).where(Run.status == lifecycle.QUEUED).order_by(Run.queued_at, Run.id).limit(1)
            )
        if run is None:
            return None
        _claim(session, run, "claimed")
        return run.id


def claim_run(db: Database, run_id: str) -> bool:
    """Claim one given queued run (the foreground CLI), whatever the slots say."""
    with db.serialised() as session:
        run = session.get(Run, run_id)
        if run is None or run.status != lifecycle.QUEUED:
            return False
        _claim(session, run, "claimed in the foreground")
        return True


def _claim(session: Session, run: Run, reason: str) -> None:
    now = utcnow()
    lifecycle.move(
        session,
        run,
        lifecycle.RUNNING,
        reason=reason,
        attempt=run.attempt + 1,
        started_at=run.started_at or now,
        heartbeat_at=now,
        control=None,
        not_before=None,
    )
