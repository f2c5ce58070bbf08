"""Per-image predictions at each image's own resolution, from a task module's batch outputs.

Validation details, test runs and the predict endpoint all come through here, so a prediction is
made and mapped back to the image the same way everywhere: boxes scaled from the model's square
input to the image, masks (class indices or change) resized with nearest neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import tv_tensors

from visionyard.common.training_config import TrainingConfig
from visionyard.data.loading import LOADING

Size = tuple[int, int]
"""(width, height) of an original image."""

CHANGE_THRESHOLD = 0.5


def preprocess(task: str, cfg: TrainingConfig, images: Sequence[Any]) -> Any:
    """A model input batch from PIL images (change detection: ``(before, after)`` pairs), transformed as
    the validation loader does."""
    transform = LOADING[task].transform(cfg, False)
    if task == "change_detection":
        pairs = [transform(before.convert("RGB"), after.convert("RGB")) for before, after in images]
        return torch.stack([_plain(p[0]) for p in pairs]), torch.stack([_plain(p[1]) for p in pairs])
    if task == "detection":
        return [_plain(transform(image.convert("RGB"), _no_boxes(image))[0]) for image in images]
    return torch.stack([_plain(transform(image.convert("RGB"))) for image in images])


def to_predictions(
    task: str, outputs: Any, sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    """One prediction per image. Dense tasks carry their mask as a ``(H, W)`` uint8 array under ``mask``."""
    if task == "classification":
        return _classification(outputs, class_names)
    if task == "detection":
        return _detection(outputs, sizes, class_names, input_size)
    if task == "segmentation":
        return _segmentation(outputs, sizes, class_names)
    if task == "change_detection":
        return _change(outputs, sizes)
    raise ValueError(f"no predictions for task {task!r}")


def _classification(logits: torch.Tensor, class_names: Sequence[str]) -> list[dict[str, Any]]:
    probabilities = logits.float().softmax(dim=1).cpu()
    results = []
    for row in probabilities:
        label = int(row.argmax())
        results.append(
            {"label": label, "class_name": class_names[label], "confidence": float(row[label]), "probabilities": row}
        )
    return results


def _detection(
    detections: Sequence[dict[str, torch.Tensor]], sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    results = []
    for found, (width, height) in zip(detections, sizes, strict=True):
        scale = torch.tensor([width, height, width, height], dtype=torch.float32) / input_size
        boxes = found["boxes"].float().cpu() * scale
        labels = found["labels"].cpu().tolist()
        results.append(
            {
                "boxes": boxes.tolist(),
                "labels": labels,
                "class_names": [class_names[label] for label in labels],
                "scores": found["scores"].float().cpu().tolist(),
            }
        )
    return results


def _segmentation(logits: torch.Tensor, sizes: Sequence[Size], class_names: Sequence[str]) -> list[dict[str, Any]]:
    confidence, masks = logits.float().softmax(dim=1).max(dim=1)
    results = []
    for mask, certainty, size in zip(masks, confidence, sizes, strict=True):
        full = _resized(mask, size)
        results.append(
            {
                "mask": full,
                "classes_present": [class_names[c] for c in np.unique(full).tolist()],
                "confidence": float(certainty.mean()),
            }
        )
    return results


def _change(logits: torch.Tensor, sizes: Sequence[Size]) -> list[dict[str, Any]]:
    probabilities = logits.float()[:, 0].sigmoid()
    results = []
    for p, size in zip(probabilities, sizes, strict=True):
        changed = p >= CHANGE_THRESHOLD
        full = _resized(changed, size)
        results.append(
            {
                "mask": full,
                "changed_fraction": float(full.mean()),
                "confidence": float(torch.where(changed, p, 1 - p).mean()),
            }
        )
    return results


def _resized(mask: torch.Tensor, size: Size) -> np.ndarray:
    width, height = size
    grid = mask.to(torch.uint8)[None, None].float()
    return F.interpolate(grid, size=(height, width), mode="nearest")[0, 0].to(torch.uint8).cpu().numpy()


def _no_boxes(image: Image.Image) -> dict[str, Any]:
    """An empty target: the detection transform sanitises boxes and wants some to look at."""
    boxes = tv_tensors.BoundingBoxes(torch.zeros(0, 4), format="XYXY", canvas_size=(image.height, image.width))
    return {"boxes": boxes, "labels": torch.zeros(0, dtype=torch.int64)}


def _plain(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.as_subclass(torch.Tensor)
