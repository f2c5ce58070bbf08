"""Semantic segmentation metrics from one confusion matrix: mean IoU, per-class IoU, Dice, pixel accuracy.

Pixels labelled ``IGNORE_INDEX`` count nowhere. Means are over the classes present in the ground
truth or the predictions (a class absent from both has no IoU, rather than a zero).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics.classification import MulticlassConfusionMatrix

from visionyard.data.formats.samples import IGNORE_INDEX
from visionyard.metrics.names import per_class

__all__ = ["IGNORE_INDEX", "segmentation_metric", "summarise_segmentation"]


def segmentation_metric(num_classes: int) -> MulticlassConfusionMatrix:
    """Update with logits ``(N, C, H, W)`` (or labels ``(N, H, W)``) and targets ``(N, H, W)``."""
    return MulticlassConfusionMatrix(num_classes=num_classes, ignore_index=IGNORE_INDEX)


def summarise_segmentation(
    confusion: torch.Tensor, class_names: Sequence[str], prefix: str = "val"
) -> dict[str, float]:
    """Rows are ground truth, columns predictions (torchmetrics' layout)."""
    confusion = confusion.double()
    hits = confusion.diag()
    truth, predicted = confusion.sum(1), confusion.sum(0)
    union = truth + predicted - hits
    present = union > 0
    iou = hits / union.clamp(min=1)
    dice = 2 * hits / (truth + predicted).clamp(min=1)
    metrics = {
        f"{prefix}_miou": float(iou[present].mean()) if present.any() else 0.0,
        f"{prefix}_dice": float(dice[present].mean()) if present.any() else 0.0,
        f"{prefix}_pixel_acc": float(hits.sum() / confusion.sum().clamp(min=1)),
    }
    for index, name in enumerate(class_names):
        if present[index]:
            metrics[per_class(f"{prefix}_iou", name)] = float(iou[index])
    return metrics
