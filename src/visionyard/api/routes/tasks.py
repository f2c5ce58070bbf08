"""GET /api/v1/tasks: the tasks this server trains, as declared (``visionyard.common.tasks``)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter

from visionyard.api.deps import ContextDep
from visionyard.common.tasks import TASKS
from visionyard.schemas.tasks import TaskInfo, TaskList

router = APIRouter(prefix="/api/v1/tasks", tags=["models"])


@router.get("")
async def list_tasks(ctx: ContextDep) -> TaskList:
    """Every task, built in or declared by a plugin, with what its truth and predictions are (how the UI draws
    them)."""
    await to_thread.run_sync(ctx.catalog)  # reading the catalog makes its plugins' tasks known here
    return TaskList(items=[TaskInfo.of(spec) for spec in TASKS.values()])
