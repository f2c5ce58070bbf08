"""/api/v1/runs: create, list, inspect, control and delete runs; metrics, events, logs, checkpoints."""

from __future__ import annotations

from typing import Annotated, TypeVar

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Response, status
from sse_starlette import EventSourceResponse

from visionyard.api.deps import ContextDep, HubDep, SessionDep
from visionyard.api.schemas import (
    CheckpointPublic,
    EventPublic,
    LogTail,
    MetricsPublic,
    ResumeRequest,
    RunCreate,
    RunList,
    RunPublic,
    RunSummary,
    Summary,
)
from visionyard.common.statuses import RunStatus
from visionyard.core import lifecycle
from visionyard.core import runs as core_runs
from visionyard.core.context import Context
from visionyard.db.models import Run
from visionyard.services import control, metrics, run_records, runs

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])
Shown = TypeVar("Shown", bound=RunSummary)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_run(body: RunCreate, ctx: ContextDep) -> RunPublic:
    spec = runs.RunSpec(**body.model_dump())
    run = await to_thread.run_sync(runs.create_run, ctx, spec)
    return public(ctx, run)


def public(ctx: Context, run: Run) -> RunPublic:
    """The run with its place in the queue (only a queued run has one)."""
    places: dict[str, int] = {}
    if run.status == RunStatus.QUEUED:
        with ctx.db.session() as session:
            places = runs.queue_positions(session)
    return placed(RunPublic, run, places)


def placed(schema: type[Shown], run: Run, places: dict[str, int]) -> Shown:
    shown = {"queue_position": places.get(run.id), "actions": lifecycle.actions(run)}
    return schema.model_validate(run).model_copy(update=shown)


@router.get("")
def list_runs(
    session: SessionDep,
    status_: Annotated[list[RunStatus] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RunList:
    items, total = runs.find_runs(session, list(status_ or []), limit, offset)
    places = runs.queue_positions(session)
    return RunList(items=[placed(RunSummary, r, places) for r in items], total=total, limit=limit, offset=offset)


@router.get("/{run_id}")
def get_run(run_id: str, session: SessionDep) -> RunPublic:
    return placed(RunPublic, core_runs.get_run(session, run_id), runs.queue_positions(session))


@router.delete("/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: str, ctx: ContextDep) -> Response:
    runs.delete_run(ctx, run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{run_id}/pause")
def pause_run(run_id: str, ctx: ContextDep) -> RunPublic:
    """Checkpoint at the next step and exit (status ``paused``); a queued run pauses at once."""
    return public(ctx, control.pause(ctx, run_id))


@router.post("/{run_id}/resume")
def resume_run(run_id: str, ctx: ContextDep, body: ResumeRequest | None = None) -> RunPublic:
    """Queue a paused or stopped run again; it continues from its last checkpoint."""
    overrides = {"epochs": body.epochs} if body and body.epochs else {}
    return public(ctx, control.resume(ctx, run_id, overrides))


@router.post("/{run_id}/stop")
def stop_run(run_id: str, ctx: ContextDep) -> RunPublic:
    """Checkpoint and stop; the worker is killed if it does not stop within the stop timeout."""
    return public(ctx, control.stop(ctx, run_id))


@router.post("/{run_id}/retry")
def retry_run(run_id: str, ctx: ContextDep) -> RunPublic:
    return public(ctx, control.retry(ctx, run_id))


@router.get("/{run_id}/metrics")
def run_metrics(run_id: str, session: SessionDep) -> MetricsPublic:
    rows = metrics.rows(session, run_id)
    return MetricsPublic(run_id=run_id, columns=metrics.columns(rows), rows=rows)


@router.get("/{run_id}/summary")
def run_summary(run_id: str, session: SessionDep) -> Summary:
    return Summary(**metrics.summarise(run_id, metrics.rows(session, run_id)))


@router.get("/{run_id}/metrics/stream", response_class=EventSourceResponse)
def stream_metrics(
    run_id: str,
    ctx: ContextDep,
    hub: HubDep,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
    after: Annotated[int | None, Query(ge=0, description="same as the Last-Event-ID header")] = None,
) -> EventSourceResponse:
    """Server-Sent Events: ``status``, ``epoch``, ``checkpoint`` and ``control`` events with ids.

    Reconnect with ``Last-Event-ID`` to get every event after that id; the stream ends when the
    run has finished (completed, failed or stopped)."""
    with ctx.db.session() as session:  # not a dependency: that would hold a connection per open stream
        run = core_runs.get_run(session, run_id)
        finished_at = lifecycle.last_event_id(session, run_id) if run.status in lifecycle.FINISHED else None
    start = last_event_id if last_event_id is not None else after or 0
    return EventSourceResponse(hub.stream(run_id, start, finished_at), ping=15)


@router.get("/{run_id}/events")
def run_events(
    run_id: str,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[EventPublic]:
    """The run's event log: every state change, control request, epoch, checkpoint and reconciliation."""
    return [EventPublic.model_validate(e) for e in run_records.events(session, run_id, after, limit)]


@router.get("/{run_id}/logs")
def run_logs(
    run_id: str,
    session: SessionDep,
    ctx: ContextDep,
    lines: Annotated[int, Query(ge=1, le=5000)] = 200,
    source: run_records.LogSource = "training",
) -> LogTail:
    """The last lines of the training log, or of the worker's own output (tracebacks, crashes)."""
    return LogTail(
        run_id=run_id, source=source, lines=run_records.log_lines(ctx.settings, session, run_id, source, lines)
    )


@router.get("/{run_id}/checkpoints")
def list_checkpoints(run_id: str, session: SessionDep) -> list[CheckpointPublic]:
    return [CheckpointPublic.model_validate(c) for c in run_records.checkpoints(session, run_id)]


@router.post("/{run_id}/checkpoints", status_code=status.HTTP_202_ACCEPTED)
def request_checkpoint(run_id: str, ctx: ContextDep) -> RunPublic:
    """Ask the worker for a manual checkpoint at its next step (it appears in the list then)."""
    return public(ctx, control.checkpoint(ctx, run_id))
