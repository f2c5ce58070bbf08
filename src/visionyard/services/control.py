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


def pause(ctx: Context, run_id: str, at_epoch_end: bool = False) -> Run:
    """``at_epoch_end``: a running run finishes the epoch in progress first (a sweep's pause)."""
    with ctx.db.serialised() as session:
        return pause_in(session, get_run(session, run_id), at_epoch_end)


def pause_in(session: Session, run: Run, at_epoch_end: bool = False) -> Run:
    """:func:`pause` within the caller's serialised transaction."""
    return _halt_in(
        session, run, "pause", RunStatus.PAUSED, "paused before it ran", "pause_epoch" if at_epoch_end else "pause"
    )


def stop(ctx: Context, run_id: str) -> Run:
    with ctx.db.serialised() as session:
        return stop_in(session, get_run(session, run_id))


def stop_in(session: Session, run: Run, reason: str = "stopped by request") -> Run:
    """:func:`stop` within the caller's serialised transaction."""
    return _halt_in(session, run, "stop", RunStatus.STOPPED, reason, "stop")


def checkpoint(ctx: Context, run_id: str) -> Run:
    with ctx.db.serialised() as session:
        run = _accepting(session, run_id, "checkpoint")
        if run.control is None:
            _request(session, run, "checkpoint")
        return run


def _halt_in(session: Session, run: Run, action: Action, status: RunStatus, reason: str, request: str) -> Run:
    """A running run is asked (its worker obeys at the next step, or the epoch end); a run with no worker moves
    at once."""
    _check(run, action)
    if run.status == RunStatus.RUNNING:
        _request(session, run, request)
    else:
        lifecycle.move(session, run, status, reason=reason)
    return run


def _accepting(session: Session, run_id: str, action: Action) -> Run:
    run = get_run(session, run_id)
    _check(run, action)
    return run


def _check(run: Run, action: Action) -> None:
    if run.status not in ACCEPTED_IN[action]:
        raise TransitionError(run, "resume" if action == "extend" else action)


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
        requeue_in(session, run, f"{action} requested")
        return run


def requeue_in(session: Session, run: Run, reason: str) -> None:
    """Queue a run again (it continues from its last checkpoint), within the caller's serialised transaction;
    the caller has checked that its status allows it."""
    lifecycle.move(session, run, RunStatus.QUEUED, reason=reason, restarts=0, error=None, not_before=None)


def _request(session: Session, run: Run, request: str) -> None:
    """A request for the worker; a pending pause or stop is not replaced by a milder one, and asking again for
    the pending request changes nothing: a stop keeps the time of the first, from which the scheduler gives
    the worker ``stop_timeout`` seconds before it kills it (a stop clicked every few seconds must not put that
    off for ever)."""
    if run.control == request or (run.control in ("pause", "stop") and request != "stop"):
        return
    run.control, run.control_at = request, utcnow()
    lifecycle.add_event(session, run.id, "control", request=request)
