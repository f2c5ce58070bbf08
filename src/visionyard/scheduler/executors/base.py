"""The executor interface: what the scheduler asks of wherever workers run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from visionyard.db.models import Job, Run

Kind = Literal["run", "job"]


@dataclass(frozen=True)
class Exit:
    """A worker this executor launched that has ended, and how."""

    kind: Kind
    item_id: str
    reason: str


class Executor(Protocol):
    def launch(self, kind: Kind, item: Run | Job, log_file: Path) -> None:
        """Start a worker for a claimed run or job (``visionyard worker|job ID``); raises OSError if it cannot."""
        ...

    def exits(self) -> list[Exit]:
        """The launched workers that ended since the last call (each reported once)."""
        ...

    def launched(self, kind: Kind) -> set[str]:
        """Ids whose worker this executor launched and that have not ended."""
        ...

    def alive(self, item: Run | Job) -> bool:
        """Is the worker of this run's or job's current attempt still running?"""
        ...

    def placing(self, run: Run) -> bool:
        """Is the run's worker launched but not yet started (a Ray actor waiting for free resources)? Its
        heartbeat counts from when it starts."""
        ...

    def adopt(self, item: Run | Job) -> bool:
        """At a server's start: is the worker an earlier server started still running? If so this executor
        follows it from now where it can (its end comes in ``exits``; else the heartbeat tells)."""
        ...

    def release_strays(self) -> list[str]:
        """After adopting at a server's start: end the workers this executor finds that no run it follows
        owns (an attempt that ended while no server was there to end it); their names."""
        ...

    def kill(self, item: Run | Job) -> None:
        """End the worker recorded on this run or job, and what it started (data-loader workers)."""
        ...
