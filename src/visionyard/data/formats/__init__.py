"""Dataset formats (docs/datasets.md): recognise a folder's layout, read it for a task, check it.

Torch-free (Pillow, numpy, pycocotools): the API process checks datasets through this package;
the engine turns ``TaskData`` samples into tensors. ``load`` leaves out what is invalid and says
so in ``TaskData.report`` (``report.blocking(skip_invalid_images)`` decides whether a run may go on).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from visionyard.common.tasks import format_tasks, task_spec
from visionyard.data.formats import classification, coco, levir, masks, yolo
from visionyard.data.formats.common import issue
from visionyard.data.formats.render import render_instances, render_mask
from visionyard.data.formats.samples import (
    IGNORE_INDEX,
    ChangeSample,
    ClassSample,
    DetectionSample,
    FormatMismatch,
    InstanceSample,
    SegmentationSample,
    TaskData,
)

__all__ = [
    "IGNORE_INDEX",
    "LAYOUTS",
    "ChangeSample",
    "ClassSample",
    "DetectionSample",
    "FormatMismatch",
    "InstanceSample",
    "SegmentationSample",
    "TaskData",
    "load",
    "render_instances",
    "render_mask",
    "sniff",
    "tasks_of",
]

LAYOUTS: dict[str, str] = {
    "image_folder": "<dataset>/[train/]<class>/*.jpg",
    "coco": "<dataset>/train/annotations.json with images in train/ or train/images/, "
    "annotations/instances_train[2017].json with images in train[2017]/ or images/train[2017]/, "
    "or annotations/instances_default.json with images/ (CVAT)",
    "yolo": "<dataset>/images/train/ + labels/train/ (or train/images/ + train/labels/) and data.yaml, "
    "or the train/val/test images folders data.yaml names, labels in the parallel labels folders",
    "masks": "<dataset>/train/images/ + train/masks/<stem>.png and classes.txt",
    "levir_cd": "<dataset>/train/A/, train/B/, train/label/",
}
_MATCHERS: dict[str, Callable[[Path], bool]] = {
    "coco": coco.matches,
    "yolo": yolo.matches,
    "masks": masks.matches,
    "levir_cd": levir.matches,
}
_READERS: dict[str, Callable[[Path, str, bool], TaskData]] = {
    "image_folder": classification.load,
    "coco": coco.load,
    "yolo": yolo.load,
    "masks": masks.load,
    "levir_cd": levir.load,
}


def sniff(root: Path) -> list[str]:
    """The formats ``root`` holds, from folder and file names; of the files,
    only a YOLO ``data.yaml`` is read (for the split folders it names).

    An image folder is only one when no other layout matches (a COCO, YOLO or LEVIR-CD dataset
    also has folders of images)."""
    if not root.is_dir():
        return []
    found = [name for name, matches in _MATCHERS.items() if _safely(matches, root)]
    if not found and _safely(classification.matches, root):
        found = ["image_folder"]
    return found


def tasks_of(formats: list[str]) -> list[str]:
    """The tasks the formats can train, in order, once each."""
    holds = format_tasks()
    return list(dict.fromkeys(task for name in formats for task in holds.get(name, ())))


def load(root: Path, task: str, *, verify: bool = True) -> TaskData:
    """Read ``root`` for ``task`` in the first format that fits, checked; ``verify`` also opens
    every image and mask (without it, only what the annotations and file names say is checked).

    ``FormatMismatch`` when the folder holds no layout for the task; malformed files never raise:
    they are issues in the report, and what they spoil is left out."""
    spec = task_spec(task)
    wanted = spec.formats
    found = sniff(root)
    fits = [name for name in found if name in wanted]
    if not fits and not found and "image_folder" in wanted and root.is_dir():
        fits = ["image_folder"]  # class folders without images yet: the image-folder check says what is missing
    if not fits:
        has = f"it holds {', '.join(found)}" if found else "no known layout is there"
        if not root.is_dir():
            has = "the folder does not exist"
        expected = "; ".join(f"{name}: {LAYOUTS[name]}" for name in wanted)
        raise FormatMismatch(f"{root.name!r} has no {task} data: {has}; {task} reads {expected} (docs/datasets.md)")
    data = _READERS[fits[0]](root, task, verify)
    if spec.fixed_classes:  # the task's own classes, whatever the dataset names
        data.classes = list(spec.fixed_classes)
    kinds = {i.kind for i in data.report.issues}
    if not data.splits.get("train") and not kinds & {"empty", "bad_annotations"}:
        data.report.issues.append(issue("empty", f"no {task} samples in train ({LAYOUTS[fits[0]]})", root))
    return data


def _safely(matches: Callable[[Path], bool], root: Path) -> bool:
    try:
        return matches(root)
    except OSError:
        return False
