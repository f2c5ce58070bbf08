"""Class-index masks for segmentation samples (a PNG read as it is, or COCO shapes rasterised) and
one mask per object for instance segmentation samples.

COCO polygons and RLE are checked (``clean_segmentation``) before pycocotools sees them: its C
code trusts its input (a polygon far outside the image allocates by its perimeter, RLE counts
that do not add up to the image write past the buffer).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image
from pycocotools import mask as coco_mask

from visionyard.data.formats.common import EDGE_TOLERANCE, number
from visionyard.data.formats.samples import InstanceSample, SegmentationSample

Cleaned = tuple[Any, str | None, str | None]


def render_mask(sample: SegmentationSample) -> np.ndarray:
    """The (H, W) uint8 class-index mask of ``sample``; later COCO shapes paint over earlier ones."""
    if sample.mask is not None:
        with Image.open(sample.mask) as image:
            pixels = np.asarray(image)
        if pixels.ndim != 2:
            raise ValueError(f"mask {sample.mask} has {pixels.shape[2]} bands, not one")
        return pixels.astype(np.uint8)
    if sample.size is None:
        raise ValueError(f"segmentation sample {sample.image} has neither a mask nor a size")
    width, height = sample.size
    mask = np.zeros((height, width), dtype=np.uint8)
    for class_index, segmentation in sample.polygons:
        shape = clean_segmentation(segmentation, width, height)[0]
        if shape is None:
            continue
        mask[_rasterise(shape, width, height) > 0] = class_index
    return mask


def render_instances(sample: InstanceSample) -> np.ndarray:
    """The (N, H, W) uint8 0/1 masks of the sample's objects, in their order."""
    width, height = sample.size
    if not sample.shapes:
        return np.zeros((0, height, width), dtype=np.uint8)
    return np.stack([_rasterise(shape, width, height) for shape in sample.shapes])


def shape_box(shape: Any, width: int, height: int) -> tuple[float, float, float, float] | None:
    """The bounds of a checked shape as ``x1, y1, x2, y2`` pixels (None where it covers no pixel)."""
    pixels = _rasterise(shape, width, height)
    rows, columns = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    if not len(rows):
        return None
    return float(columns[0]), float(rows[0]), float(columns[-1] + 1), float(rows[-1] + 1)


def _rasterise(shape: Any, width: int, height: int) -> np.ndarray:
    """A checked shape as an (H, W) 0/1 array: polygons through pycocotools, RLE decoded here
    (pycocotools' own decoder warns under numpy 2)."""
    if isinstance(shape, dict):
        counts = shape["counts"]
    else:
        rle = coco_mask.merge(coco_mask.frPyObjects(shape, height, width))
        counts = _counts_from_string(rle["counts"].decode("ascii")) or [width * height]
    values = np.arange(len(counts), dtype=np.int64) % 2
    return np.repeat(values.astype(np.uint8), counts).reshape(width, height).T


def clean_segmentation(segmentation: Any, width: int, height: int) -> Cleaned:
    """(shape safe to rasterise, issue kind, why). Polygons are clamped to the image
    (``clipped_box`` when they reach beyond it); unusable shapes are ``bad_box``, RLE of another
    size ``mask_size``."""
    if isinstance(segmentation, dict):
        return _clean_rle(segmentation, width, height)
    if not isinstance(segmentation, list) or not segmentation:
        return None, "bad_box", "segmentation is neither polygons nor RLE"
    polygons = []
    for polygon in segmentation:
        if not isinstance(polygon, list):
            return None, "bad_box", "segmentation is not a list of polygons"
        values = [number(v) for v in polygon]
        if any(v is None for v in values):
            return None, "bad_box", "a polygon has a value that is not a number"
        if not all(math.isfinite(v) for v in values):  # type: ignore[arg-type]
            return None, "bad_box", "a polygon has a value that is not finite"
        if len(values) >= 6 and len(values) % 2 == 0:
            polygons.append(values)
    if not polygons:
        return None, "bad_box", "segmentation has no polygon of three points or more"
    xs = [v for p in polygons for v in p[0::2]]
    ys = [v for p in polygons for v in p[1::2]]
    if max(xs) <= 0 or max(ys) <= 0 or min(xs) >= width or min(ys) >= height:
        return None, "bad_box", f"segmentation lies outside the {width}x{height} image"
    clamped = [[min(max(v, 0.0), float(width if i % 2 == 0 else height)) for i, v in enumerate(p)] for p in polygons]
    if sum(_area(p) for p in clamped) <= 0:
        return None, "bad_box", "segmentation has no area"
    if max(-min(xs), -min(ys), max(xs) - width, max(ys) - height) > EDGE_TOLERANCE:
        return clamped, "clipped_box", f"segmentation is clipped to the {width}x{height} image"
    return clamped, None, None


def _area(polygon: list[float]) -> float:
    xs, ys = polygon[0::2], polygon[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2


def _clean_rle(rle: dict, width: int, height: int) -> Cleaned:
    size, counts = rle.get("size"), rle.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        return None, "bad_box", "RLE segmentation has no [height, width] size"
    if size != [height, width]:
        return None, "mask_size", f"RLE segmentation is {size[1]}x{size[0]}, its image {width}x{height}"
    if isinstance(counts, str | bytes):
        decoded = _counts_from_string(counts.decode("ascii", "replace") if isinstance(counts, bytes) else counts)
        if decoded is None:
            return None, "bad_box", "RLE counts cannot be read"
        counts = decoded
    if not isinstance(counts, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return None, "bad_box", "RLE counts are not a list of integers or a COCO string"
    if any(c < 0 for c in counts) or sum(counts) != width * height:
        return None, "bad_box", f"RLE counts do not cover the {width}x{height} image"
    if sum(counts[1::2]) == 0:
        return None, "bad_box", "RLE segmentation has no area"
    return {"size": [height, width], "counts": counts}, None, None


def _counts_from_string(text: str) -> list[int] | None:
    """COCO's compressed RLE string (``rleFrString``) decoded, or None where it is malformed."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        value, shift, more = 0, 0, True
        while more:
            if p >= len(text) or shift > 60:
                return None
            c = ord(text[p]) - 48
            if not 0 <= c < 64:
                return None
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            p += 1
            shift += 5
            if not more and c & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts
