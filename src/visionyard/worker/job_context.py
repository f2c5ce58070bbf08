"""What a job's work (a test run, an export) is given, and how it ends with a status of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visionyard.core.context import Context
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder


class JobOutcome(Exception):
    """A job that ends with a status of its own and keeps its result (an export outside its parity tolerance)."""

    def __init__(self, status: str, result: dict[str, Any], message: str):
        super().__init__(message)
        self.status, self.result = status, result


@dataclass(frozen=True)
class JobContext:
    """What a job's work needs, read from the database before it starts (paths as this host has them)."""

    ctx: Context
    job_id: str
    run_id: str | None
    """None for a job of no run (a suggestion)."""
    params: dict[str, Any]
    model: str
    task: str
    config: dict[str, Any]
    dataset_path: Path
    folder: Path
    on_node: bool = False
    """On a cluster node with a HOME of its own, whose copy of the run may be an earlier attempt's."""

    @property
    def inputs(self) -> Path:
        """Private copies of what the job reads (hidden: never pushed); removed when the job ends."""
        return self.folder / ".inputs"

    def checkpoint(self, relative: str) -> Path:
        """The run's checkpoint file to load (``relative`` to the run folder): this host's, pulled if missing,
        or on a cluster node a private copy of the store's."""
        assert self.run_id is not None, "a job of no run has no checkpoint"
        path = RunFolder.of(self.ctx.settings.runs_dir, self.run_id).root / relative
        store = artifact_store(self.ctx.settings)
        return store.pull_copy(path, self.inputs / path.name) if self.on_node else store.ensure_local(path)
