"""Where workers run. The scheduler claims runs and jobs and hands them to an executor; the executor
starts a worker for each, says which of them ended and whether a worker recorded on a run or job is
still alive (also one started by an earlier server), and kills one. The worker code is the same for
every executor: only the launch differs.

Selected by ``VISIONYARD_EXECUTOR``: ``local`` (default) starts worker processes on this host; ``ray``
submits runs to a Ray cluster (``VISIONYARD_RAY_ADDRESS``) and starts those placed here (jobs, runs that
ask for ``local``) as the local one does; ``auto`` is the same executor, runs going to a free local slot
first.
"""

from __future__ import annotations

from visionyard.config import Settings
from visionyard.scheduler.executors.base import Executor
from visionyard.scheduler.executors.local import LocalExecutor
from visionyard.scheduler.executors.ray_cluster import RayExecutor

EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor, "ray": RayExecutor, "auto": RayExecutor}


def executor_for(settings: Settings) -> Executor:
    """The executor ``settings.executor`` names (the settings refuse a name that is not one)."""
    return EXECUTORS[settings.executor](settings)
