"""Detection metrics: COCO mAP@[.5:.95], mAP50, mAP75, mAR@100 and per-class AP.

torchmetrics' ``MeanAveragePrecision`` with its pycocotools backend runs COCOeval itself, so the
figures are COCO's own. Boxes are absolute ``x1, y1, x2, y2``; labels index the class list.

The IoU and recall thresholds are given as COCOeval's own float64 values: torchmetrics' defaults
come from float32 ``linspace``, which moves a recall of exactly 0.1 (say) across a threshold and
changes the AP slightly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torchmetrics.detection import MeanAveragePrecision

from visionyard.metrics.names import per_class

IOU_THRESHOLDS = np.linspace(0.5, 0.95, round((0.95 - 0.5) / 0.05) + 1).tolist()
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, round((1.00 - 0.0) / 0.01) + 1).tolist()


def detection_metric(extended: bool = False) -> MeanAveragePrecision:
    """``extended`` adds COCOeval's precision array (per IoU, recall threshold, class, area, max detections)."""
    metric = MeanAveragePrecision(
        box_format="xyxy",
        iou_type="bbox",
        iou_thresholds=IOU_THRESHOLDS,
        rec_thresholds=RECALL_THRESHOLDS,
        class_metrics=True,
        backend="pycocotools",
        extended_summary=extended,
    )
    metric.warn_on_many_detections = False  # COCO keeps the best 100 per image on purpose
    return metric


def summarise_detection(
    raw: dict[str, torch.Tensor], class_names: Sequence[str], prefix: str = "val"
) -> dict[str, float]:
    """The computed metric as flat, named floats; classes without ground truth are left out."""
    metrics = {
        f"{prefix}_map": float(raw["map"]),
        f"{prefix}_map50": float(raw["map_50"]),
        f"{prefix}_map75": float(raw["map_75"]),
        f"{prefix}_mar100": float(raw["mar_100"]),
    }
    classes = raw["classes"].flatten().tolist()
    for label, ap in zip(classes, raw["map_per_class"].flatten().tolist(), strict=True):
        if ap >= 0 and 0 <= int(label) < len(class_names):
            metrics[per_class(f"{prefix}_ap", class_names[int(label)])] = float(ap)
    return metrics
