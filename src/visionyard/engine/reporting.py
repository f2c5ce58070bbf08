"""How the engine talks to whoever runs it: a reporter for what happened, a control for requests.

The CLI wires these to the terminal; the worker (service) wires them to the database.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

ControlRequest = Literal["stop", "pause", "pause_epoch", "prune", "checkpoint"]
"""``pause_epoch``: pause once the epoch in progress ends; ``prune``: a sweep's pruner ended the trial (asked at
an epoch end)."""
EPOCH_END_REQUESTS = ("pause_epoch", "prune")
"""Requests that wait for the epoch in progress to end."""


class Reporter(Protocol):
    def epoch_end(self, row: dict[str, Any]) -> None: ...

    def checkpoint_saved(self, kind: str, path: str, epoch: int, step: int) -> None:
        """A checkpoint file was written; ``epoch`` is the 1-based epoch it was taken in."""
        ...

    def checkpoint_removed(self, path: str) -> None:
        """A checkpoint file was deleted by the run's retention."""
        ...

    def dataset_read(self, fingerprint: dict[str, Any]) -> None:
        """The dataset was checked; its fingerprint (``digest``, ``files``, ``bytes``)."""
        ...

    def warning(self, kind: str, epoch: int, message: str) -> None:
        """Something the user should look at (a diverging loss); training goes on."""
        ...

    def progress(self, values: dict[str, Any]) -> None:
        """Where the epoch is (see :class:`~visionyard.engine.callbacks.StepProgress`), every few seconds;
        must return at once: it is called from the training loop."""
        ...


class Control(Protocol):
    def requested(self, epoch: int, step: int, epoch_end: bool) -> ControlRequest | None:
        """Polled after every training step and at every epoch end."""
        ...


class NullReporter:
    def epoch_end(self, row: dict[str, Any]) -> None:
        pass

    def checkpoint_saved(self, kind: str, path: str, epoch: int, step: int) -> None:
        pass

    def checkpoint_removed(self, path: str) -> None:
        pass

    def dataset_read(self, fingerprint: dict[str, Any]) -> None:
        pass

    def warning(self, kind: str, epoch: int, message: str) -> None:
        pass

    def progress(self, values: dict[str, Any]) -> None:
        pass


class FlagControl:
    """A control flipped from elsewhere in the process (e.g. a SIGINT handler)."""

    def __init__(self) -> None:
        self.request: ControlRequest | None = None

    def requested(self, epoch: int, step: int, epoch_end: bool) -> ControlRequest | None:
        request = self.request
        if request == "checkpoint":
            self.request = None
        return request
