"""Control of a run: pause, resume, stop, retry and a manual checkpoint.

A request aimed at a running run is a row field the worker polls between steps; a run that has no
worker (queued, restarting, paused) moves at once. Each call is one serialised transaction, so
two clicks never do a thing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visionyard.common.statuses import RunStatus
from visionyard.core import lifecycle
from visionyard.core.lifecycle import ACCEPTED_IN, Action, TransitionError
from visionyard.core.runs import get_run
from visionyard.db.models import Run, utcnow
from visionyard.services.runs import prepare_resume

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.core.context import Context


def pause(ctx: Context, run_id: str) -> Run:
    return _halt(ctx, run_id, "pause", RunStatus.PAUSED, "paused before it ran")


def stop(ctx: Context, run_id: str) -> Run:
    return _halt(ctx, run_id, "stop", RunStatus.STOPPED, "stopped by request")


def checkpoint(ctx: Context, run_id: str) -> Run:
    with ctx.db.serialised() as session:
        run = _accepting(session, run_id, "checkpoint")
        if run.control is None:
            _request(session, run, "checkpoint")
        return run


def _halt(ctx: Context, run_id: str, action: Action, status: RunStatus, reason: str) -> Run:
    """A running run is asked (its worker obeys at the next step); a run with no worker moves at once."""
    with ctx.db.serialised() as session:
        run = _accepting(session, run_id, action)
        if run.status == RunStatus.RUNNING:
            _request(session, run, action)
        else:
            lifecycle.move(session, run, status, reason=reason)
        return run


def _accepting(session: Session, run_id: str, action: Action) -> Run:
    run = get_run(session, run_id)
    if run.status not in ACCEPTED_IN[action]:
        raise TransitionError(run, "resume" if action == "extend" else action)
    return run


def resume(ctx: Context, run_id: str, overrides: dict[str, Any] | None = None) -> Run:
    """Queue a paused, stopped or failed run again; it continues from its last checkpoint.

    ``overrides`` may raise ``epochs`` (extending a run); completed runs can be extended too.
    """
    return _requeue(ctx, run_id, "extend" if overrides and "epochs" in overrides else "resume", overrides or {})


def retry(ctx: Context, run_id: str) -> Run:
    """Queue a failed run again, from its last checkpoint when it has one."""
    return _requeue(ctx, run_id, "retry", {})


def _requeue(ctx: Context, run_id: str, action: Action, overrides: dict[str, Any]) -> Run:
    with ctx.db.serialised() as session:
        run = _accepting(session, run_id, action)
        if overrides:
            request = prepare_resume(ctx.settings, ctx.catalog(), run_id, overrides)
            run.config, run.epochs = request.config, request.config["epochs"]
        lifecycle.move(
            session, run, RunStatus.QUEUED, reason=f"{action} requested", restarts=0, error=None, not_before=None
        )
        return run


def _request(session: Session, run: Run, request: str) -> None:
    """A request for the worker; a pending pause or stop is not replaced by a milder one, and asking again for
    the pending request changes nothing: a stop keeps the time of the first, from which the scheduler gives
    the worker ``stop_timeout`` seconds before it kills it (a stop clicked every few seconds must not put that
    off for ever)."""
    if run.control == request or (run.control in ("pause", "stop") and request != "stop"):
        return
    run.control, run.control_at = request, utcnow()
    lifecycle.add_event(session, run.id, "control", request=request)
