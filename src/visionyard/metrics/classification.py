"""Classification metrics (torchmetrics): top-1, top-5 with five classes or more, macro P/R/F1."""

from __future__ import annotations

from torchmetrics import MetricCollection
from torchmetrics.classification import (
    MulticlassAccuracy,
    MulticlassF1Score,
    MulticlassPrecision,
    MulticlassRecall,
)

from visionyard.common.tasks import headline

HEADLINE = headline("classification")


def classification_metrics(num_classes: int) -> MetricCollection:
    metrics = {
        "acc": MulticlassAccuracy(num_classes=num_classes, average="micro"),
        "precision": MulticlassPrecision(num_classes=num_classes, average="macro"),
        "recall": MulticlassRecall(num_classes=num_classes, average="macro"),
        "f1": MulticlassF1Score(num_classes=num_classes, average="macro"),
    }
    groups = [["acc"], ["precision", "recall", "f1"]]
    if num_classes >= 5:
        metrics["acc_top5"] = MulticlassAccuracy(num_classes=num_classes, top_k=5, average="micro")
        groups.append(["acc_top5"])
    # Explicit groups: torchmetrics otherwise merges metrics whose states happen to be equal after the
    # first update (a perfectly classified first batch makes top-5 look like macro P/R/F1 for good).
    return MetricCollection(metrics, compute_groups=groups)
