"""The statuses of runs and jobs, spelled once (their moves are in ``core.lifecycle``)."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RESTARTING = "restarting"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    PRUNED = "pruned"
    """A sweep's trial ended early by its pruner (at an epoch end, with a checkpoint)."""


class SweepStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    FAILED_PARITY = "failed_parity"
    """An export written but outside its parity tolerance."""
