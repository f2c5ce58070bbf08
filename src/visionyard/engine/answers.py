"""A prediction as the predict endpoint answers it, and drawn over its image, per task (their kits
name these): top-k classes, detections over the score threshold, masks as PNG, objects' masks as RLE."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from visionyard.data import drawing, rle

TOP_K = 5
DETECTION_KEYS = ("boxes", "labels", "class_names", "scores")


def classification_answer(p: dict[str, Any], classes: Sequence[str], threshold: float) -> dict[str, Any]:
    scores, labels = p["probabilities"].topk(min(TOP_K, len(classes)))
    top = [
        {"label": int(label), "class_name": classes[int(label)], "confidence": float(score)}
        for score, label in zip(scores, labels, strict=True)
    ]
    return {"label": p["label"], "class_name": p["class_name"], "confidence": p["confidence"], "top_k": top}


def detection_answer(p: dict[str, Any], classes: Sequence[str], threshold: float) -> dict[str, Any]:
    keep = _over(p, threshold)
    return {key: [p[key][i] for i in keep] for key in DETECTION_KEYS}


def instance_answer(p: dict[str, Any], classes: Sequence[str], threshold: float) -> dict[str, Any]:
    """Detections over the threshold with each object's mask as compressed RLE at the image's size."""
    keep = _over(p, threshold)
    return {**detection_answer(p, classes, threshold), "masks": rle.encode(p["masks"][keep])}


def segmentation_answer(p: dict[str, Any], classes: Sequence[str], threshold: float) -> dict[str, Any]:
    mask = p["mask"]
    counts = np.bincount(mask.ravel(), minlength=len(classes))
    fractions = {classes[c]: float(n / mask.size) for c, n in enumerate(counts) if n}
    return {**_with_mask_png(p), "class_fractions": fractions}


def change_answer(p: dict[str, Any], classes: Sequence[str], threshold: float) -> dict[str, Any]:
    return _with_mask_png(p)


def classification_overlay(
    images: tuple[Image.Image, ...], p: dict[str, Any], classes: Sequence[str], threshold: float
) -> Image.Image:
    return drawing.caption(images[0], f"{p['class_name']} {p['confidence']:.2f}")


def detection_overlay(
    images: tuple[Image.Image, ...], p: dict[str, Any], classes: Sequence[str], threshold: float
) -> Image.Image:
    shown = detection_answer(p, classes, threshold)
    return drawing.draw_boxes(images[0], shown["boxes"], shown["labels"], classes, shown["scores"])


def instance_overlay(
    images: tuple[Image.Image, ...], p: dict[str, Any], classes: Sequence[str], threshold: float
) -> Image.Image:
    keep = _over(p, threshold)
    shown = detection_answer(p, classes, threshold)
    return drawing.draw_objects(images[0], p["masks"][keep], shown["boxes"], shown["labels"], classes, shown["scores"])


def segmentation_overlay(
    images: tuple[Image.Image, ...], p: dict[str, Any], classes: Sequence[str], threshold: float
) -> Image.Image:
    return drawing.overlay_mask(images[0], p["mask"], len(classes))


def change_overlay(
    images: tuple[Image.Image, ...], p: dict[str, Any], classes: Sequence[str], threshold: float
) -> Image.Image:
    return drawing.overlay_mask(images[-1], p["mask"], 2)


def mask_png(mask: np.ndarray) -> str:
    """A ``(H, W)`` uint8 mask as base64 PNG text."""
    return base64.b64encode(drawing.to_png(Image.fromarray(mask))).decode("ascii")


def _with_mask_png(p: dict[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in p.items() if k != "mask"}
    shaped["mask_png"] = mask_png(p["mask"])
    return shaped


def _over(p: dict[str, Any], threshold: float) -> list[int]:
    return [i for i, score in enumerate(p["scores"]) if score >= threshold]
