"""/api/v1/runs: create, list, inspect, control and delete runs; metrics, events, logs, checkpoints."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Response, status
from sse_starlette import EventSourceResponse

from visionyard.api.deps import ContextDep, HubDep, SessionDep
from visionyard.api.routes.links import links
from visionyard.api.schemas import ResumeRequest, RunCreate, RunLabels
from visionyard.common.statuses import RunStatus
from visionyard.schemas.runs import (
    CheckpointPublic,
    EventPublic,
    LogTail,
    MetricsPublic,
    NotificationPublic,
    RunComparison,
    RunList,
    RunPublic,
    Summary,
    SystemSamples,
)
from visionyard.services import control, metrics, run_compare, run_labels, run_records, run_views, runs
from visionyard.services.run_search import RunFilter

MAX_EVENT_ID = 2**63 - 1
"""Event ids are 64-bit integers in every database."""
router = APIRouter(prefix="/api/v1/runs", tags=["runs"])
RUN = "/api/v1/runs/{run_id}"
RUN_LINKS = {
    "GetRun": ("get", RUN),
    "PauseRun": ("post", f"{RUN}/pause"),
    "ResumeRun": ("post", f"{RUN}/resume"),
    "StopRun": ("post", f"{RUN}/stop"),
    "RetryRun": ("post", f"{RUN}/retry"),
    "RunEvents": ("get", f"{RUN}/events"),
    "DeleteRun": ("delete", RUN),
}
"""What a client does with a run it created: the links of ``POST /api/v1/runs``."""


@router.post("", status_code=status.HTTP_201_CREATED, responses=links(201, RUN_LINKS, run_id="$response.body#/id"))
async def create_run(body: RunCreate, ctx: ContextDep) -> RunPublic:
    spec = runs.RunSpec(**body.model_dump())
    run = await to_thread.run_sync(runs.create_run, ctx, spec)
    return run_views.public(ctx, run)


@router.get("")
def list_runs(
    session: SessionDep,
    status_: Annotated[list[RunStatus] | None, Query(alias="status")] = None,
    model: Annotated[str | None, Query(max_length=200)] = None,
    dataset: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[list[str] | None, Query(max_length=20, description="runs with every tag given")] = None,
    sweep: Annotated[str | None, Query(max_length=64, description="the trials of this sweep")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="text in the id, the name or the note, any case")
    ] = None,
    where: Annotated[
        list[str] | None,
        Query(
            max_length=10,
            description="bounds on the best value of a metric or on a config value: metric:val_acc>0.9, "
            "param:optimizer.lr<=0.01, param:optimizer.type=sgd (> >= < <= = !=)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> RunList:
    """Runs newest first, one page at a time, filtered on the server."""
    found = RunFilter.of(statuses=status_, model=model, dataset=dataset, sweep=sweep, tags=tag, text=q, where=where)
    return run_views.listed(session, found, limit, offset)


@router.get("/compare")
def compare_runs(
    session: SessionDep,
    ids: Annotated[str, Query(min_length=1, max_length=1000, description="2 to 10 run ids, comma-separated")],
) -> RunComparison:
    """The runs side by side: configs key by key (differences marked), best and final metrics, epoch histories."""
    return run_compare.compare(session, [run_id.strip() for run_id in ids.split(",") if run_id.strip()])


@router.get("/{run_id}")
def get_run(run_id: str, session: SessionDep) -> RunPublic:
    return run_views.get_public(session, run_id)


@router.patch("/{run_id}")
def label_run(run_id: str, body: RunLabels, ctx: ContextDep) -> RunPublic:
    """Change the run's name, tags or note, in any status."""
    run_labels.relabel(ctx, run_id, body.model_dump(include=body.model_fields_set))
    with ctx.db.session() as session:
        return run_views.get_public(session, run_id)


@router.delete("/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_run(run_id: str, ctx: ContextDep) -> Response:
    runs.delete_run(ctx, run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{run_id}/pause")
def pause_run(run_id: str, ctx: ContextDep) -> RunPublic:
    """Checkpoint at the next step and exit (status ``paused``); a queued run pauses at once."""
    return run_views.public(ctx, control.pause(ctx, run_id))


@router.post("/{run_id}/resume")
def resume_run(run_id: str, ctx: ContextDep, body: ResumeRequest | None = None) -> RunPublic:
    """Queue a paused or stopped run again; it continues from its last checkpoint."""
    overrides = {"epochs": body.epochs} if body and body.epochs else {}
    return run_views.public(ctx, control.resume(ctx, run_id, overrides))


@router.post("/{run_id}/stop")
def stop_run(run_id: str, ctx: ContextDep) -> RunPublic:
    """Checkpoint and stop; the worker is killed if it does not stop within the stop timeout."""
    return run_views.public(ctx, control.stop(ctx, run_id))


@router.post("/{run_id}/retry")
def retry_run(run_id: str, ctx: ContextDep) -> RunPublic:
    return run_views.public(ctx, control.retry(ctx, run_id))


@router.get("/{run_id}/metrics")
def run_metrics(run_id: str, session: SessionDep) -> MetricsPublic:
    return metrics.table(session, run_id)


@router.get("/{run_id}/summary")
def run_summary(run_id: str, session: SessionDep) -> Summary:
    return metrics.summary(session, run_id)


@router.get("/{run_id}/metrics/stream", response_class=EventSourceResponse)
def stream_metrics(
    run_id: str,
    ctx: ContextDep,
    hub: HubDep,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_EVENT_ID)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID, description="same as the Last-Event-ID header")] = None,
) -> EventSourceResponse:
    """Server-Sent Events: ``status``, ``epoch``, ``checkpoint``, ``control``, ``progress`` (the epoch's step,
    every few seconds) and ``system`` (resource samples) events with ids.

    Reconnect with ``Last-Event-ID`` to get every event after that id; the stream ends when the
    run has finished (completed, failed or stopped)."""
    with ctx.db.session() as session:  # not a dependency: that would hold a connection per open stream
        finished_at = run_records.last_event_if_finished(session, run_id)
    start = last_event_id if last_event_id is not None else after or 0
    hub.admit()
    return EventSourceResponse(hub.stream(run_id, start, finished_at), ping=15)


@router.get("/{run_id}/events")
def run_events(
    run_id: str,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[EventPublic]:
    """The run's event log: every state change, control request, epoch, checkpoint and reconciliation."""
    return [EventPublic.model_validate(e) for e in run_records.events(session, run_id, after, limit)]


@router.get("/{run_id}/notifications")
def run_notifications(run_id: str, session: SessionDep) -> list[NotificationPublic]:
    """The messages sent about the run's status changes, with how each delivery went (targets' secrets cut)."""
    return [NotificationPublic.model_validate(n) for n in run_records.notifications(session, run_id)]


@router.get("/{run_id}/system")
def run_system(run_id: str, session: SessionDep) -> SystemSamples:
    """CPU, memory, disk and GPU use of the run's workers over its life (older samples thinned)."""
    return SystemSamples(run_id=run_id, samples=run_records.system_samples(session, run_id))


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
    return run_views.public(ctx, control.checkpoint(ctx, run_id))
