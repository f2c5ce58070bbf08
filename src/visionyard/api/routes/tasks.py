"""GET /api/v1/tasks: the tasks this server trains, as declared (``visionyard.common.tasks``)."""

from __future__ import annotations

from fastapi import APIRouter

from visionyard.common.tasks import TASKS
from visionyard.schemas.tasks import TaskInfo, TaskList

router = APIRouter(prefix="/api/v1/tasks", tags=["models"])


@router.get("")
async def list_tasks() -> TaskList:
    """Every task, with what its truth and predictions are (how the UI draws them)."""
    return TaskList(items=[TaskInfo.of(spec) for spec in TASKS.values()])
