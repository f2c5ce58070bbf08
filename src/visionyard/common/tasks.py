"""The tasks visionyard trains, declared once each: what the API, the dataset checks, the CLI and the UI
know of a task without importing torch. The engine's side of a task (loading, records, predictions,
export) is the :class:`~visionyard.engine.tasks.kit.TaskKit` its ``engine`` names.

A new task is a :class:`TaskSpec` (here, or a plugin's ``visionyard.tasks`` entry point) and its kit.
How a task's truth and predictions look (``target``) is what the readers, drawings and the UI follow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from visionyard.common.errors import Invalid

Target = Literal["label", "boxes", "mask", "change", "instances"]
"""What a sample's truth and a prediction are: a class, boxes, a class-index mask, a change mask, or
objects with a box and a mask each."""

CHANGE_CLASSES = ("unchanged", "changed")


class UnknownTask(Invalid):
    code = "unknown_task"


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str
    target: Target
    headline: str
    """The validation metric the task is judged by (checkpoints and early stopping monitor it)."""
    formats: tuple[str, ...]
    """The dataset formats (data/formats) that hold its annotations."""
    engine: str
    """``module:attribute`` of its engine kit."""
    inputs: tuple[str, ...] = ("image",)
    """The images of one sample, in order (change detection: ``before``, ``after``)."""
    fixed_classes: tuple[str, ...] | None = None
    """The classes every model of the task has, whatever the dataset (change detection)."""
    weighs_classes: bool = False
    """Its loss takes per-class weights (``class_weights``)."""
    smooths_labels: bool = False
    """Its loss takes ``label_smoothing``."""
    image_list: bool = False
    """Its models take a list of unnormalised images and resize them themselves (torchvision's detectors):
    exports take one image per call, in CHW."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> TaskSpec:
        """A spec from ``as_dict``'s JSON (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


CLASSIFICATION = TaskSpec(
    "classification",
    "Classification",
    "label",
    "val_acc",
    ("image_folder",),
    "visionyard.engine.tasks.classification:KIT",
    weighs_classes=True,
    smooths_labels=True,
)
DETECTION = TaskSpec(
    "detection",
    "Object detection",
    "boxes",
    "val_map",
    ("coco", "yolo"),
    "visionyard.engine.tasks.detection:KIT",
    image_list=True,
)
SEGMENTATION = TaskSpec(
    "segmentation",
    "Semantic segmentation",
    "mask",
    "val_miou",
    ("coco", "masks"),
    "visionyard.engine.tasks.segmentation:KIT",
    weighs_classes=True,
)
INSTANCE_SEGMENTATION = TaskSpec(
    "instance_segmentation",
    "Instance segmentation",
    "instances",
    "val_mask_map",
    ("coco",),
    "visionyard.engine.tasks.instance_segmentation:KIT",
    image_list=True,
)
CHANGE_DETECTION = TaskSpec(
    "change_detection",
    "Change detection",
    "change",
    "val_f1",
    ("levir_cd",),
    "visionyard.engine.tasks.change_detection:KIT",
    inputs=("before", "after"),
    fixed_classes=CHANGE_CLASSES,
)

BUILT_IN = (CLASSIFICATION, DETECTION, SEGMENTATION, INSTANCE_SEGMENTATION, CHANGE_DETECTION)
TASKS: dict[str, TaskSpec] = {spec.name: spec for spec in BUILT_IN}
"""Every task known to this process, built-in ones first (``register`` adds a plugin's)."""


def task_spec(name: str) -> TaskSpec:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTask(f"unknown task {name!r}; tasks: {', '.join(TASKS)}") from None


def register(spec: TaskSpec) -> None:
    """A task declared by a plugin; a built-in task cannot be replaced."""
    known = TASKS.get(spec.name)
    if known is not None and known != spec:
        raise ValueError(f"task {spec.name!r} is already declared differently")
    TASKS[spec.name] = spec


def headline(task: str) -> str:
    """The metric ``task`` is judged by (``val_loss`` for a task this process does not know)."""
    spec = TASKS.get(task)
    return spec.headline if spec else "val_loss"


def format_tasks() -> dict[str, list[str]]:
    """Each dataset format and the tasks it holds, in the order of ``TASKS``."""
    found: dict[str, list[str]] = {}
    for spec in TASKS.values():
        for name in spec.formats:
            found.setdefault(name, []).append(spec.name)
    return found
