"""Segmentation and change-detection metrics against a plain numpy computation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from visionyard.metrics.change_detection import change_metrics
from visionyard.metrics.segmentation import IGNORE_INDEX, segmentation_metric, summarise_segmentation

CLASSES = ["background", "road", "tree", "water"]


def test_miou_dice_and_pixel_accuracy_match_numpy():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, (4, 16, 16))  # "water" never occurs in the ground truth...
    truth[:, :2] = IGNORE_INDEX
    predicted = np.where(rng.random(truth.shape) < 0.7, truth, rng.integers(0, 3, truth.shape))
    predicted[predicted == IGNORE_INDEX] = 0  # ...nor in the predictions: it has no IoU
    metric = segmentation_metric(len(CLASSES))
    metric.update(torch.tensor(predicted[:2]), torch.tensor(truth[:2]))
    metric.update(torch.tensor(predicted[2:]), torch.tensor(truth[2:]))
    reported = summarise_segmentation(metric.compute(), CLASSES)

    valid = truth != IGNORE_INDEX
    t, p = truth[valid], predicted[valid]
    ious, dices = [], []
    for c in range(3):
        inter = np.sum((t == c) & (p == c))
        union = np.sum((t == c) | (p == c))
        ious.append(inter / union)
        dices.append(2 * inter / (np.sum(t == c) + np.sum(p == c)))
        assert reported[f"val_iou_{CLASSES[c]}"] == pytest.approx(ious[-1])
    assert "val_iou_water" not in reported
    assert reported["val_miou"] == pytest.approx(np.mean(ious))
    assert reported["val_dice"] == pytest.approx(np.mean(dices))
    assert reported["val_pixel_acc"] == pytest.approx(np.mean(t == p))


def test_change_metrics_are_those_of_the_change_class():
    rng = np.random.default_rng(4)
    truth = rng.random((3, 8, 8)) < 0.3
    probabilities = np.clip(truth * 0.6 + rng.random(truth.shape) * 0.5, 0, 1)
    metric = change_metrics()
    metric.update(torch.tensor(probabilities, dtype=torch.float32), torch.tensor(truth).long())
    reported = {k: float(v) for k, v in metric.compute().items()}
    predicted = probabilities >= 0.5
    tp = np.sum(predicted & truth)
    fp = np.sum(predicted & ~truth)
    fn = np.sum(~predicted & truth)
    assert reported["precision"] == pytest.approx(tp / (tp + fp))
    assert reported["recall"] == pytest.approx(tp / (tp + fn))
    assert reported["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert reported["iou"] == pytest.approx(tp / (tp + fp + fn))
