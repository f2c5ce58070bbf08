"""Instance segmentation metrics: COCO mask mAP (the headline) and box mAP, with per-class mask AP.

One torchmetrics ``MeanAveragePrecision`` over both IoU types, with the same pycocotools backend and
COCOeval thresholds as detection (:mod:`visionyard.metrics.detection`). Masks are boolean ``(N, H, W)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics.detection import MeanAveragePrecision

from visionyard.metrics.detection import IOU_THRESHOLDS, RECALL_THRESHOLDS
from visionyard.metrics.names import per_class

MASK_THRESHOLD = 0.5
"""A pixel of an object whose mask probability is at least this belongs to it."""


def instance_metric(extended: bool = False) -> MeanAveragePrecision:
    """``extended`` adds COCOeval's precision arrays (per IoU, recall threshold, class, area, max detections)."""
    metric = MeanAveragePrecision(
        box_format="xyxy",
        iou_type=("bbox", "segm"),
        iou_thresholds=IOU_THRESHOLDS,
        rec_thresholds=RECALL_THRESHOLDS,
        class_metrics=True,
        backend="pycocotools",
        extended_summary=extended,
    )
    metric.warn_on_many_detections = False
    return metric


def summarise_instances(
    raw: dict[str, torch.Tensor], class_names: Sequence[str], prefix: str = "val"
) -> dict[str, float]:
    """The computed metric as flat, named floats: mask and box mAP@[.5:.95], mAP50, mAP75, mask mAR@100,
    and each class's mask AP (classes without ground truth left out)."""
    metrics: dict[str, float] = {}
    for iou_type, name in (("segm", "mask"), ("bbox", "box")):
        metrics[f"{prefix}_{name}_map"] = float(raw[f"{iou_type}_map"])
        metrics[f"{prefix}_{name}_map50"] = float(raw[f"{iou_type}_map_50"])
        metrics[f"{prefix}_{name}_map75"] = float(raw[f"{iou_type}_map_75"])
    metrics[f"{prefix}_mask_mar100"] = float(raw["segm_mar_100"])
    classes = raw["classes"].flatten().tolist()
    for label, ap in zip(classes, raw["segm_map_per_class"].flatten().tolist(), strict=True):
        if ap >= 0 and 0 <= int(label) < len(class_names):
            metrics[per_class(f"{prefix}_mask_ap", class_names[int(label)])] = float(ap)
    return metrics
