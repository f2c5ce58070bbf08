"""What a worker needs to execute one run. Torch-free, so the services can build it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visionyard.storage.run_folder import RunFolder


@dataclass
class RunRequest:
    folder: RunFolder
    model: str
    dataset: Path
    config: dict[str, Any]
    """The resolved run config (config.json)."""
    resume: bool = False
    base_checkpoint: Path | None = None
    """Weights to start from (transfer learning); ignored when resuming."""
    progress: bool = True
    ray_train: bool = False
    """This process is one rank of a Ray Train worker group (a run over several nodes)."""
    extra_callbacks: list[Any] = field(default_factory=list)
    """Lightning callbacks added to the platform's own (benchmarks add timers)."""
