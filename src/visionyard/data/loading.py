"""Samples as tensors, per task: what a data loader's worker reads, before the shared transform.

Each ``load_*`` function turns one sample of :mod:`visionyard.data.formats` into the inputs of a
torchvision v2 transform (so images, boxes and masks move together), and each ``finish_*`` turns
the transformed inputs into the plain tensors a task module trains on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image
from torchvision import tv_tensors
from torchvision.transforms import v2

from visionyard.common.training_config import TrainingConfig
from visionyard.data.formats import (
    IGNORE_INDEX,
    ChangeSample,
    ClassSample,
    DetectionSample,
    InstanceSample,
    SegmentationSample,
    render_instances,
    render_mask,
)
from visionyard.data.transforms import dense_transform, eval_transform, train_transform


def _rgb(path: Any) -> Image.Image:
    with Image.open(path) as raw:
        return raw.convert("RGB")


def load_classification(sample: ClassSample) -> tuple[Any, ...]:
    return _rgb(sample.image), sample.label


def load_detection(sample: DetectionSample | InstanceSample) -> tuple[Any, ...]:
    image = tv_tensors.Image(np.asarray(_rgb(sample.image)).transpose(2, 0, 1).copy())
    boxes = torch.tensor(sample.boxes, dtype=torch.float32).reshape(-1, 4)
    target = {
        "boxes": tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=tuple(image.shape[-2:])),
        "labels": torch.tensor(sample.labels, dtype=torch.int64),
    }
    return image, target


def load_instances(sample: InstanceSample) -> tuple[Any, ...]:
    image, target = load_detection(sample)
    target["masks"] = tv_tensors.Mask(torch.from_numpy(render_instances(sample)))
    return image, target


def load_segmentation(sample: SegmentationSample) -> tuple[Any, ...]:
    return _rgb(sample.image), tv_tensors.Mask(torch.from_numpy(render_mask(sample)))


def load_change(sample: ChangeSample) -> tuple[Any, ...]:
    with Image.open(sample.label) as raw:
        changed = np.asarray(raw.convert("L")) > 0
    return _rgb(sample.before), _rgb(sample.after), tv_tensors.Mask(torch.from_numpy(changed.astype(np.uint8)))


def _plain(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.as_subclass(torch.Tensor)


def finish_classification(image: torch.Tensor, label: int) -> tuple[torch.Tensor, int]:
    return _plain(image), label


def finish_detection(
    image: torch.Tensor, target: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return _plain(image), {"boxes": _plain(target["boxes"]), "labels": target["labels"]}


def finish_instances(
    image: torch.Tensor, target: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    plain, boxes = finish_detection(image, target)
    return plain, {**boxes, "masks": _plain(target["masks"])}


def finish_segmentation(image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return _plain(image), _plain(mask).long()


def finish_change(before: torch.Tensor, after: torch.Tensor, label: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return _plain(before), _plain(after), _plain(label).float()


def collate_detection(batch: list[tuple[torch.Tensor, dict[str, torch.Tensor]]]) -> tuple[list, list]:
    """Detection images stay a list (the model batches them itself), with one target dict each."""
    images, targets = zip(*batch, strict=True)
    return list(images), list(targets)


def classification_transform(cfg: TrainingConfig, train: bool) -> v2.Compose:
    return train_transform(cfg) if train else eval_transform(cfg)


def detection_transform(cfg: TrainingConfig, train: bool) -> v2.Compose:
    """torchvision's detectors normalise their input themselves."""
    return dense_transform(cfg, train, normalize=False, boxes=True)


def segmentation_transform(cfg: TrainingConfig, train: bool) -> v2.Compose:
    return dense_transform(cfg, train, mask_fill=IGNORE_INDEX)


def change_transform(cfg: TrainingConfig, train: bool) -> v2.Compose:
    return dense_transform(cfg, train)


@dataclass(frozen=True)
class TaskLoading:
    """How a task's samples become tensors (its kit holds one)."""

    load: Callable[[Any], tuple[Any, ...]]
    transform: Callable[[TrainingConfig, bool], v2.Compose]
    finish: Callable[..., tuple[Any, ...]]
    collate: Callable[[list[Any]], Any] | None = None
