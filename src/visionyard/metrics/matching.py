"""Which detections hit a ground-truth object (by box or mask IoU): per-image correctness of evaluation
records, and the box pairing of export parity checks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchvision.ops import box_iou

MATCH_IOU = 0.5
"""IoU at which a detection matches a ground-truth box (per-image correctness, TP/FP histograms)."""


def match_detections(
    boxes: Sequence[Sequence[float]],
    labels: Sequence[int],
    truth_boxes: Sequence[Sequence[float]],
    truth_labels: Sequence[int],
    threshold: float = MATCH_IOU,
) -> tuple[list[bool], list[float]]:
    """Greedy matching of score-ordered detections to ground truth of their class (COCO's rule): each
    detection takes the best unmatched box at ``threshold`` or above. Answers a hit flag and the best
    same-class IoU of every detection."""
    if not boxes or not truth_boxes:
        return match_by_iou(torch.zeros(len(boxes), len(truth_boxes)), labels, truth_labels, threshold)
    ious = box_iou(torch.tensor(boxes, dtype=torch.float64), torch.tensor(truth_boxes, dtype=torch.float64))
    return match_by_iou(ious, labels, truth_labels, threshold)


def match_by_iou(
    ious: torch.Tensor, labels: Sequence[int], truth_labels: Sequence[int], threshold: float = MATCH_IOU
) -> tuple[list[bool], list[float]]:
    """``match_detections`` over a given ``(detections, truths)`` IoU matrix (of boxes, or of masks)."""
    if not len(labels):
        return [], []
    if not len(truth_labels):
        return [False] * len(labels), [0.0] * len(labels)
    same = torch.tensor(list(labels))[:, None] == torch.tensor(list(truth_labels))[None, :]
    ious = torch.where(same, ious, torch.zeros_like(ious))
    taken = torch.zeros(len(truth_labels), dtype=torch.bool)
    hits, best = [], []
    for row in ious:
        best.append(float(row.max()))
        free = torch.where(taken, torch.full_like(row, -1.0), row)
        j = int(free.argmax())
        hit = bool(free[j] >= threshold)
        if hit:
            taken[j] = True
        hits.append(hit)
    return hits, best
