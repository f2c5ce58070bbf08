"""/api/v1/sweeps: hyperparameter sweeps (docs/sweeps.md): create, list, show with trials, pause, resume, stop,
delete. Their trials are runs: ``/api/v1/runs?sweep=ID``."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Response, status

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.api.schemas import SweepCreate
from visionyard.schemas.sweeps import SweepList, SweepPublic
from visionyard.services import sweep_views, sweeps

router = APIRouter(prefix="/api/v1/sweeps", tags=["sweeps"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_sweep(body: SweepCreate, ctx: ContextDep) -> SweepPublic:
    """Check the space against the model's config schema and start the sweep; its first trials are queued at once."""
    fields: dict[str, Any] = body.model_dump(exclude_none=True)
    sweep = await to_thread.run_sync(sweeps.create_sweep, ctx, sweeps.SweepSpec(**fields))
    return _shown(ctx, sweep.id)


@router.get("")
def list_sweeps(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SweepList:
    """Sweeps newest first."""
    return sweep_views.listed(session, limit, offset)


@router.get("/{sweep_id}")
def get_sweep(sweep_id: str, ctx: ContextDep) -> SweepPublic:
    """The sweep with its trials, the best trial and its config, and the parameters' importances."""
    return _shown(ctx, sweep_id)


@router.post("/{sweep_id}/pause")
def pause_sweep(sweep_id: str, ctx: ContextDep) -> SweepPublic:
    """Queued trials pause now, running ones at the end of their epoch; no trial starts until it is resumed."""
    sweeps.pause(ctx, sweep_id)
    return _shown(ctx, sweep_id)


@router.post("/{sweep_id}/resume")
def resume_sweep(sweep_id: str, ctx: ContextDep) -> SweepPublic:
    """The same study goes on: paused trials are queued again and new trials are asked for."""
    sweeps.resume(ctx, sweep_id)
    return _shown(ctx, sweep_id)


@router.post("/{sweep_id}/stop")
def stop_sweep(sweep_id: str, ctx: ContextDep) -> SweepPublic:
    """Every trial not ended yet is stopped; it can be resumed later with the trials it has left."""
    sweeps.stop(ctx, sweep_id)
    return _shown(ctx, sweep_id)


@router.delete("/{sweep_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sweep(sweep_id: str, ctx: ContextDep) -> Response:
    """An ended sweep, its study and its trials' runs (published runs stay)."""
    sweeps.delete_sweep(ctx, sweep_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _shown(ctx: ContextDep, sweep_id: str) -> SweepPublic:
    with ctx.db.session() as session:
        return sweep_views.shown(session, ctx.db.url, sweep_id)
