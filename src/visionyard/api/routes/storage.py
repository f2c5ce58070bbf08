"""/api/v1/storage: what HOME holds on disk, in all and per run."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.core import runs as core_runs
from visionyard.schemas.system import RunDisk, StorageUsage
from visionyard.services import disk

router = APIRouter(prefix="/api/v1", tags=["storage"])


@router.get("/storage")
async def storage(ctx: ContextDep) -> StorageUsage:
    """Bytes per area (runs, registry, datasets, cache), in total, free on the disk, and per run."""
    return await to_thread.run_sync(disk.usage, ctx.settings)


@router.get("/runs/{run_id}/disk")
def run_disk(run_id: str, ctx: ContextDep, session: SessionDep) -> RunDisk:
    """The run folder's bytes: in total, and in checkpoints, validation details, tests and exports."""
    core_runs.get_run(session, run_id)
    return disk.run_usage(ctx.settings, run_id)
