"""The engine's side of a task: one :class:`TaskKit` per task, in the task's own module
(``engine/tasks/<task>.py``), found through the ``engine`` of its :class:`~visionyard.common.tasks.TaskSpec`.

Everything that differs between tasks once a model is built goes through the kit: loading samples, the
records and report of an evaluation, predictions at the image's own size, the API's answer and overlay,
an export's outputs, its parity check, and what its sidecar says.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from visionyard.common.tasks import TaskSpec, task_spec
from visionyard.data.loading import TaskLoading

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

Size = tuple[int, int]
"""(width, height) of an original image."""


@dataclass(frozen=True)
class TaskKit:
    spec: TaskSpec
    loading: TaskLoading
    recorder: type
    """Its :class:`~visionyard.engine.evaluation.recorders.Recorder`."""
    predictions: Callable[[Any, Sequence[Size], Sequence[str], int], list[dict[str, Any]]]
    """A batch's raw outputs (what ``infer_batch`` answers), the images' sizes, the class names and the
    model's input size -> one prediction per image at its own size (masks as ``(H, W)`` uint8 arrays)."""
    answer: Callable[[dict[str, Any], Sequence[str], float], dict[str, Any]]
    """A prediction as the API answers it, given the class names and the score threshold."""
    overlay: Callable[[tuple[Image.Image, ...], dict[str, Any], Sequence[str], float], Image.Image]
    """The sample's images and its prediction drawn, given the class names and the score threshold."""
    decode: Callable[[list[np.ndarray]], Any]
    """An export's outputs of one call, in the graph's order -> what the task module's ``infer_batch``
    answers for that call (logits, or one image's detections in dataset labels)."""
    parity: Callable[[Any, Any, Any], None]
    """Compares the PyTorch model's raw outputs with an export's, into a
    :class:`~visionyard.engine.export.parity.ParityMeter` (one of its methods)."""
    postprocessing: dict[str, Any]
    """How a deployment turns the export's outputs into an answer (the sidecar's ``postprocessing``)."""
    snippet: str
    """Python that runs the export on one sample after the sidecar's ``preprocess`` and ``run``."""

    @property
    def name(self) -> str:
        return self.spec.name


def kit(task: str) -> TaskKit:
    """The kit of ``task`` (an unknown task is an ``UnknownTask``)."""
    module, _, attribute = task_spec(task).engine.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if not isinstance(found, TaskKit) or found.spec.name != task:
        raise TypeError(f"{task_spec(task).engine} is not the TaskKit of {task!r}")
    return found
