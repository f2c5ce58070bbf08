"""Runs as the API and the CLI show them: with their place in the queue and the actions they allow now."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from visionyard.common.statuses import RunStatus
from visionyard.core import lifecycle
from visionyard.core.runs import get_run
from visionyard.db.models import Run
from visionyard.schemas.runs import RunList, RunPublic, RunSummary
from visionyard.services.run_search import RunFilter, find_runs
from visionyard.services.runs import queue_positions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.core.context import Context

Shown = TypeVar("Shown", bound=RunSummary)


def public(ctx: Context, run: Run) -> RunPublic:
    """A run just created or acted on (only a queued one needs the queue read)."""
    places: dict[str, int] = {}
    if run.status == RunStatus.QUEUED:
        with ctx.db.session() as session:
            places = queue_positions(session)
    return _placed(RunPublic, run, places)


def get_public(session: Session, run_id: str) -> RunPublic:
    return _placed(RunPublic, get_run(session, run_id), queue_positions(session))


def listed(session: Session, where: RunFilter, limit: int, offset: int) -> RunList:
    """The runs that pass, newest first (without their configs), one page of them and the total."""
    items, total = find_runs(session, where, limit, offset)
    places = queue_positions(session)
    return RunList(items=[_placed(RunSummary, r, places) for r in items], total=total, limit=limit, offset=offset)


def _placed(schema: type[Shown], run: Run, places: dict[str, int]) -> Shown:
    shown = {"queue_position": places.get(run.id), "actions": lifecycle.actions(run)}
    return schema.model_validate(run).model_copy(update=shown)
