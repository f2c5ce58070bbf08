"""Change-detection metrics of the change class: F1, IoU, precision and recall over all pixels."""

from __future__ import annotations

from torchmetrics import MetricCollection
from torchmetrics.classification import BinaryF1Score, BinaryJaccardIndex, BinaryPrecision, BinaryRecall


def change_metrics() -> MetricCollection:
    """Update with change probabilities ``(N, H, W)`` and 0/1 targets of the same shape."""
    return MetricCollection(
        {
            "f1": BinaryF1Score(),
            "iou": BinaryJaccardIndex(),
            "precision": BinaryPrecision(),
            "recall": BinaryRecall(),
        },
        compute_groups=[["f1", "precision", "recall"], ["iou"]],  # declared, never guessed from the first batch
    )
