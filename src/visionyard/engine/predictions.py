"""Per-image predictions at each image's own resolution, from a task module's batch outputs (each
task's kit names its function here).

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
from visionyard.engine.tasks.kit import Size, TaskKit
from visionyard.metrics.instance_segmentation import MASK_THRESHOLD

CHANGE_THRESHOLD = 0.5


def preprocess(kit: TaskKit, cfg: TrainingConfig, samples: Sequence[tuple[Image.Image, ...]]) -> Any:
    """A model input batch from samples of PIL images (one each, or one per input of the task: change
    detection's before and after), transformed as the validation loader does."""
    transform = kit.loading.transform(cfg, False)
    if len(kit.spec.inputs) > 1:
        parts = [transform(*(image.convert("RGB") for image in sample)) for sample in samples]
        return tuple(torch.stack([_plain(p[i]) for p in parts]) for i in range(len(kit.spec.inputs)))
    if kit.spec.image_list:
        return [_plain(transform(image.convert("RGB"), _no_boxes(image))[0]) for (image,) in samples]
    return torch.stack([_plain(transform(image.convert("RGB"))) for (image,) in samples])


def classification_predictions(
    logits: torch.Tensor, sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    probabilities = logits.float().softmax(dim=1).cpu()
    results = []
    for row in probabilities:
        label = int(row.argmax())
        results.append(
            {"label": label, "class_name": class_names[label], "confidence": float(row[label]), "probabilities": row}
        )
    return results


def detection_predictions(
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


def instance_predictions(
    objects: Sequence[dict[str, torch.Tensor]], sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    """Detections with each object's mask (``masks``: ``(N, 1, h, w)`` probabilities at the input's size)
    resized to the image and thresholded, as ``(N, H, W)`` uint8 0/1."""
    results = detection_predictions(objects, sizes, class_names, input_size)
    for result, found, (width, height) in zip(results, objects, sizes, strict=True):
        probabilities = found["masks"].float().cpu()
        if len(probabilities):
            probabilities = F.interpolate(probabilities, size=(height, width), mode="bilinear", align_corners=False)
        result["masks"] = (probabilities[:, 0] >= MASK_THRESHOLD).to(torch.uint8).numpy()
    return results


def segmentation_predictions(
    logits: torch.Tensor, sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
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


def change_predictions(
    logits: torch.Tensor, sizes: Sequence[Size], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
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
