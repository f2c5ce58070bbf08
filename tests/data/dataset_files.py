"""Tiny hand-made dataset files for the format readers' tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from visionyard.data.checks import DatasetReport

BROKEN = b"\x89PNG\r\n\x1a\nnot really an image"


def png(path: Path, size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (200, 40, 40)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def broken(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(BROKEN)
    return path


def mask(path: Path, values: np.ndarray, mode: str = "L") -> Path:
    """A mask PNG from a (H, W) array of class indexes (``mode`` P gets a palette)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(values.astype(np.uint8), mode="L")
    if mode == "P":
        image = image.convert("P")
        image.putpalette([v for i in range(256) for v in (i, 255 - i, (7 * i) % 256)])
        image.putdata(values.astype(np.uint8).flatten().tolist())
    elif mode != "L":
        image = image.convert(mode)
    image.save(path)
    return path


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def coco_json(
    path: Path,
    boxes: dict[str, list[tuple]],
    names: tuple[str, ...] = ("cat", "dog"),
    size: tuple[int, int] | None = None,
    **extra,
) -> Path:
    """A COCO file: the images of ``boxes`` (file name: its ``(category id, x, y, w, h)``, ids 1..K
    naming ``names``), of ``size`` when given; ``extra``: more fields for every annotation."""
    images, annotations = [], []
    for image_id, (name, image_boxes) in enumerate(boxes.items(), 1):
        images.append({"id": image_id, "file_name": name, **({"width": size[0], "height": size[1]} if size else {})})
        for category, *bbox in image_boxes:
            annotations.append(
                {"id": len(annotations) + 1, "image_id": image_id, "category_id": category, "bbox": bbox, **extra}
            )
    categories = [{"id": i, "name": name} for i, name in enumerate(names, 1)]
    return write_json(path, {"images": images, "annotations": annotations, "categories": categories})


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def kinds(report: DatasetReport) -> list[str]:
    return sorted(i.kind for i in report.issues)


def by_kind(report: DatasetReport, kind: str) -> list[str]:
    """``path: message`` of each issue of ``kind``."""
    return [f"{i.path}: {i.message}" for i in report.issues if i.kind == kind]
