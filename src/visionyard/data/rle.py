"""Object masks as COCO's compressed RLE (``{"size": [h, w], "counts": "<string>"}``): how instance masks are
kept in evaluation records and answered by the predict endpoint. Torch-free (pycocotools)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

Rle = dict[str, Any]


def encode(masks: np.ndarray) -> list[Rle]:
    """``(N, H, W)`` 0/1 masks as N compressed RLEs."""
    if not len(masks):
        return []
    encoded = coco_mask.encode(np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))
    return [{"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")} for rle in encoded]


def decode(rles: Sequence[Rle], height: int, width: int) -> np.ndarray:
    """N compressed RLEs (of an ``height`` x ``width`` image) as ``(N, H, W)`` uint8 0/1 masks."""
    if not rles:
        return np.zeros((0, height, width), dtype=np.uint8)
    return np.ascontiguousarray(coco_mask.decode(_coco(rles)).transpose(2, 0, 1))


def ious(detected: Sequence[Rle], truth: Sequence[Rle]) -> np.ndarray:
    """The ``(detected, truth)`` mask IoU matrix."""
    if not detected or not truth:
        return np.zeros((len(detected), len(truth)))
    return np.asarray(coco_mask.iou(_coco(detected), _coco(truth), [0] * len(truth)), dtype=np.float64)


def _coco(rles: Sequence[Rle]) -> list[dict[str, Any]]:
    return [{"size": rle["size"], "counts": rle["counts"].encode("ascii")} for rle in rles]
