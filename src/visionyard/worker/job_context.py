"""What a job's work (a test run, an export) is given, and how it ends with a status of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visionyard.core.context import Context


class JobOutcome(Exception):
    """A job that ends with a status of its own and keeps its result (an export outside its parity tolerance)."""

    def __init__(self, status: str, result: dict[str, Any], message: str):
        super().__init__(message)
        self.status, self.result = status, result


@dataclass(frozen=True)
class JobContext:
    """What a job's work needs, read from the database before it starts."""

    ctx: Context
    job_id: str
    run_id: str
    params: dict[str, Any]
    model: str
    task: str
    config: dict[str, Any]
    dataset_path: Path
    folder: Path
