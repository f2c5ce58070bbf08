"""What a dataset reader gives: samples per split, the class list and the check report.

Torch-free: the API process builds these for a dataset's detail page; the engine turns them into
tensors. Paths are absolute (under the dataset root); boxes are absolute ``x1, y1, x2, y2`` pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visionyard.data.checks import DatasetReport

IGNORE_INDEX = 255
"""Mask value left out of the loss and the metrics."""

Box = tuple[float, float, float, float]


class FormatMismatch(ValueError):
    """The folder holds no layout that the task can read."""


@dataclass(frozen=True)
class ClassSample:
    image: Path
    label: int


@dataclass(frozen=True)
class DetectionSample:
    image: Path
    boxes: tuple[Box, ...]
    """Absolute ``x1, y1, x2, y2`` pixels, inside the image."""
    labels: tuple[int, ...]
    """Indexes ``0..K-1`` into the class list, one per box."""


@dataclass(frozen=True)
class SegmentationSample:
    image: Path
    mask: Path | None = None
    """A class-index PNG (mask-folder datasets)."""
    polygons: tuple[tuple[int, Any], ...] = ()
    """``(class_index, coco_segmentation)`` in paint order (COCO datasets); 0 is background."""
    size: tuple[int, int] | None = None
    """``(width, height)`` to rasterise ``polygons`` at."""


@dataclass(frozen=True)
class InstanceSample:
    image: Path
    boxes: tuple[Box, ...]
    """Absolute ``x1, y1, x2, y2`` pixels, inside the image: each object's box."""
    labels: tuple[int, ...]
    """Indexes ``0..K-1`` into the class list, one per object."""
    shapes: tuple[Any, ...]
    """Each object's checked COCO shape (polygons, or RLE with integer counts) at ``size``."""
    size: tuple[int, int]
    """``(width, height)`` of the image."""


@dataclass(frozen=True)
class ChangeSample:
    before: Path
    after: Path
    label: Path


@dataclass
class TaskData:
    task: str
    format: str
    root: Path
    classes: list[str]
    splits: dict[str, list[Any]] = field(default_factory=dict)
    """Only the splits present, train/val/test order; invalid samples and annotations left out."""
    report: DatasetReport = field(default_factory=lambda: DatasetReport(root=""))
