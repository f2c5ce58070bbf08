"""The detection mAP visionyard reports equals pycocotools' own COCOeval on the same data."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from visionyard.metrics.detection import detection_metric, summarise_detection

CLASSES = ["circle", "square", "triangle"]


def _scene(rng: np.random.Generator, n_images: int) -> tuple[list[dict], list[dict]]:
    """Ground truth and noisy predictions (jittered, some missed, some false) per image."""
    truths, predictions = [], []
    for _ in range(n_images):
        n = int(rng.integers(1, 5))
        xy = rng.uniform(0, 150, (n, 2))
        wh = rng.uniform(10, 60, (n, 2))
        boxes = np.concatenate([xy, xy + wh], 1)
        labels = rng.integers(0, len(CLASSES), n)
        keep = rng.random(n) > 0.2
        jitter = rng.normal(0, 4, (n, 4))
        false = rng.integers(0, 3)
        fxy = rng.uniform(0, 150, (false, 2))
        pred_boxes = np.concatenate([(boxes + jitter)[keep], np.concatenate([fxy, fxy + 30], 1)])
        pred_labels = np.concatenate([labels[keep], rng.integers(0, len(CLASSES), false)])
        scores = rng.uniform(0.05, 1.0, len(pred_boxes))
        truths.append({"boxes": torch.tensor(boxes, dtype=torch.float32), "labels": torch.tensor(labels)})
        predictions.append(
            {
                "boxes": torch.tensor(pred_boxes, dtype=torch.float32),
                "labels": torch.tensor(pred_labels),
                "scores": torch.tensor(scores, dtype=torch.float32),
            }
        )
    return truths, predictions


def _cocoeval(truths: list[dict], predictions: list[dict], tmp_path: Path) -> COCOeval:
    images, annotations, results = [], [], []
    for image_id, (truth, prediction) in enumerate(zip(truths, predictions, strict=True), start=1):
        images.append({"id": image_id, "width": 256, "height": 256, "file_name": f"{image_id}.png"})
        for box, label in zip(truth["boxes"].tolist(), truth["labels"].tolist(), strict=True):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": label + 1,
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        for box, label, score in zip(
            prediction["boxes"].tolist(), prediction["labels"].tolist(), prediction["scores"].tolist(), strict=True
        ):
            results.append(
                {
                    "image_id": image_id,
                    "category_id": label + 1,
                    "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                    "score": score,
                }
            )
    categories = [{"id": i + 1, "name": n} for i, n in enumerate(CLASSES)]
    gt_file = tmp_path / "gt.json"
    gt_file.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        evaluation = COCOeval(gt, gt.loadRes(results), iouType="bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reported_map_equals_pycocotools_cocoeval(seed: int, tmp_path: Path):
    truths, predictions = _scene(np.random.default_rng(seed), n_images=12)
    metric = detection_metric()
    for i in range(0, len(truths), 5):  # updated in batches, as validation does
        metric.update(predictions[i : i + 5], truths[i : i + 5])
    reported = summarise_detection(metric.compute(), CLASSES)

    evaluation = _cocoeval(truths, predictions, tmp_path)
    stats = evaluation.stats
    assert reported["val_map"] == pytest.approx(stats[0], abs=1e-6)
    assert reported["val_map50"] == pytest.approx(stats[1], abs=1e-6)
    assert reported["val_map75"] == pytest.approx(stats[2], abs=1e-6)
    assert reported["val_mar100"] == pytest.approx(stats[8], abs=1e-6)
    precision = evaluation.eval["precision"]  # [iou, recall, class, area, max_dets]
    for k, name in enumerate(CLASSES):
        per_class = precision[:, :, k, 0, -1]
        expected = float(np.mean(per_class[per_class > -1]))
        assert reported[f"val_ap_{name}"] == pytest.approx(expected, abs=1e-6)
