"""What users write on runs to find and compare them later: a name, tags and a note, at creation or after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from visionyard.core.runs import get_run
from visionyard.db.models import Run, RunTag

if TYPE_CHECKING:
    from visionyard.core.context import Context

LABELS = ("name", "tags", "note")


def set_tags(session: Session, run: Run, tags: list[str]) -> None:
    """The run's tags, stripped and each once, in the order given (and their index rows)."""
    kept = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    run.tags = kept
    session.execute(delete(RunTag).where(RunTag.run_id == run.id))
    session.add_all(RunTag(run_id=run.id, tag=tag) for tag in kept)


def relabel(ctx: Context, run_id: str, changes: dict[str, Any]) -> Run:
    """Change the labels named in ``changes`` (any status; an empty note or name clears it)."""
    with ctx.db.write() as session:
        run = get_run(session, run_id)
        if "tags" in changes:
            set_tags(session, run, changes["tags"] or [])
        for label in ("name", "note"):
            if label in changes:
                setattr(run, label, (changes[label] or "").strip() or None)
        return run
