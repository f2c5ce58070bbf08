"""Synthetic demo sets for detection, segmentation and change detection (layouts in docs/datasets.md).

``write_shapes_detection``: circles, squares and triangles on textured backgrounds, COCO layout.
``write_shapes_segmentation``: the same kind of scenes with class-index masks, masks layout.
``write_shapes_change``: before/after pairs of a terrain with buildings appearing (and sometimes one
removed), LEVIR-CD layout. Every image is drawn from its own seeded generator (split name and index),
so the files are the same bytes on every run and a smaller ``counts`` writes a prefix of the full set.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

DEFAULT_COUNTS: Mapping[str, int] = {"train": 160, "val": 40, "test": 40}
SHAPE_CLASSES = ("circle", "square", "triangle")  # class index / COCO category id 1, 2, 3

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 (exclusive)
Polygon = list[tuple[float, float]]


def write_shapes_detection(target: Path, counts: Mapping[str, int] = DEFAULT_COUNTS, size: int = 128) -> None:
    """COCO layout: ``<split>/annotations.json`` with images at ``<split>/images/NNNNNN.png``."""
    categories = [{"id": i, "name": name, "supercategory": "shape"} for i, name in enumerate(SHAPE_CLASSES, 1)]
    for split, count in counts.items():
        images, annotations = [], []
        for i in range(count):
            image, _, objects = _shapes_scene(_rng(11, split, i), size)
            file_name = f"images/{i + 1:06d}.png"
            _save(image, target / split / file_name)
            images.append({"id": i + 1, "file_name": file_name, "width": size, "height": size})
            for cls, polygon in objects:
                xs, ys = [x for x, _ in polygon], [y for _, y in polygon]
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": i + 1,
                        "category_id": cls,
                        "bbox": [min(xs), min(ys), round(max(xs) - min(xs), 2), round(max(ys) - min(ys), 2)],
                        "area": _polygon_area(polygon),
                        "iscrowd": 0,
                        "segmentation": [[c for point in polygon for c in point]],
                    }
                )
        coco = {
            "info": {"description": f"visionyard demo: shapes_detection ({split})", "version": "1.0"},
            "licenses": [],
            "images": images,
            "annotations": annotations,
            "categories": categories,
        }
        (target / split).mkdir(parents=True, exist_ok=True)
        (target / split / "annotations.json").write_text(json.dumps(coco, indent=1) + "\n")


def write_shapes_segmentation(target: Path, counts: Mapping[str, int] = DEFAULT_COUNTS, size: int = 64) -> None:
    """Masks layout: ``<split>/images/NNNNNN.png`` + ``<split>/masks/NNNNNN.png`` (pixel = class index)."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "classes.txt").write_text("\n".join(("background", *SHAPE_CLASSES)) + "\n")
    for split, count in counts.items():
        for i in range(count):
            image, mask, _ = _shapes_scene(_rng(12, split, i), size)
            _save(image, target / split / "images" / f"{i + 1:06d}.png")
            _save(mask, target / split / "masks" / f"{i + 1:06d}.png")


def write_shapes_change(target: Path, counts: Mapping[str, int] = DEFAULT_COUNTS, size: int = 64) -> None:
    """LEVIR-CD layout: ``<split>/{A,B,label}/NNNNNN.png``; label 255 where a building appeared or went."""
    for split, count in counts.items():
        for i in range(count):
            a, b, label = _change_pair(_rng(13, split, i), size, changed=i % 10 != 5)
            name = f"{i + 1:06d}.png"
            _save(a, target / split / "A" / name)
            _save(b, target / split / "B" / name)
            _save(label, target / split / "label" / name)


# --- shapes scenes ---------------------------------------------------------------------------


def _shapes_scene(rng: np.random.Generator, size: int) -> tuple[Image.Image, Image.Image, list[tuple[int, Polygon]]]:
    """A textured background with 1-3 shapes (sides 20-56 px at 128 px, scaled with ``size``) that barely
    overlap; returns the image, its class-index mask and the (class, polygon) of each shape."""
    lo, hi = max(4, round(size * 20 / 128)), max(5, round(size * 56 / 128))
    background = _background(rng, size)
    image, mask = Image.fromarray(background, mode="RGB"), Image.new("L", (size, size), 0)
    draw_image, draw_mask = ImageDraw.Draw(image), ImageDraw.Draw(mask)
    objects: list[tuple[int, Polygon]] = []
    boxes: list[Box] = []
    for _ in range(int(rng.integers(1, 4))):
        for _attempt in range(30):
            s = int(rng.integers(lo, hi + 1))
            x, y = (int(v) for v in rng.integers(0, size - s + 1, 2))
            box = (x, y, x + s, y + s)
            if all(_overlap(box, other) <= 0.1 for other in boxes):
                break
        else:
            continue
        cls = int(rng.integers(1, len(SHAPE_CLASSES) + 1))
        polygon = _shape_polygon(cls, box, upside_down=bool(rng.random() < 0.3))
        colour = _contrasting_colour(rng, background[y : y + s, x : x + s].reshape(-1, 3).mean(axis=0))
        draw_image.polygon(polygon, fill=colour)
        draw_mask.polygon(polygon, fill=cls)
        boxes.append(box)
        objects.append((cls, polygon))
    pixels = np.asarray(image, dtype=np.float32) + _noise(rng, (size, size, 1), rng.uniform(2.0, 7.0))
    return _rgb(pixels), mask, objects


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Smooth noise, a gradient or stripes between two random colours (uint8, HxWx3)."""
    c1, c2 = rng.uniform(0, 255, 3).astype(np.float32), rng.uniform(0, 255, 3).astype(np.float32)
    kind = int(rng.integers(3))
    if kind == 0:
        t = _smooth_noise(rng, size, int(rng.integers(3, 9)))
    else:
        angle = rng.uniform(0, math.pi)
        steps = np.arange(size, dtype=np.float32)
        along = steps[None, :] * np.float32(math.cos(angle)) + steps[:, None] * np.float32(math.sin(angle))
        if kind == 1:
            t = (along - along.min()) / max(float(along.max() - along.min()), 1e-6)
        else:
            period = rng.uniform(size / 20, size / 5)
            phase = rng.uniform(0, 2 * math.pi)
            t = 0.5 + 0.5 * np.sin(along * np.float32(2 * math.pi / period) + np.float32(phase))
            c2 = c1 + (c2 - c1) * 0.5  # stripes with a softer contrast
    palette = np.clip(c1 + np.linspace(0, 1, 256, dtype=np.float32)[:, None] * (c2 - c1), 0, 255).astype(np.uint8)
    return palette[(t * 255).astype(np.uint8)]


def _shape_polygon(cls: int, box: Box, upside_down: bool) -> Polygon:
    x1, y1, x2, y2 = box
    if cls == 1:  # circle as a 32-gon, touching the box on all four sides
        cx, cy, r = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2
        points = [(cx + r * math.cos(2 * math.pi * k / 32), cy + r * math.sin(2 * math.pi * k / 32)) for k in range(32)]
    elif cls == 2:
        points = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    elif upside_down:
        points = [(x1, y1), (x2, y1), ((x1 + x2) / 2, y2)]
    else:
        points = [((x1 + x2) / 2, y1), (x2, y2), (x1, y2)]
    return [(round(float(px), 2), round(float(py), 2)) for px, py in points]


def _polygon_area(polygon: Polygon) -> float:
    xs, ys = np.array([p[0] for p in polygon]), np.array([p[1] for p in polygon])
    return round(float(abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))) / 2), 2)


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def _contrasting_colour(rng: np.random.Generator, under: np.ndarray) -> tuple[int, int, int]:
    """The random colour (of a few tried) farthest from the mean colour it is painted over."""
    candidates = rng.uniform(0, 255, (8, 3))
    best = candidates[int(np.abs(candidates - under).sum(axis=1).argmax())]
    return (int(best[0]), int(best[1]), int(best[2]))


# --- change pairs ----------------------------------------------------------------------------

_TERRAIN = np.float32([[86, 118, 62], [120, 140, 80], [140, 118, 84], [176, 160, 120], [96, 96, 70], [64, 96, 58]])
_ROOFS = np.float32([[200, 200, 200], [170, 74, 60], [150, 150, 160], [230, 226, 214], [70, 90, 140], [190, 120, 80]])


def _change_pair(rng: np.random.Generator, size: int, changed: bool) -> tuple[Image.Image, Image.Image, Image.Image]:
    """A terrain with buildings in A and B; in B 1-3 buildings appear (and sometimes one goes) when
    ``changed``. B also differs everywhere a little (brightness, tint, noise), which is not change."""
    terrain = _terrain(rng, size)
    lo, hi = max(3, round(size * 5 / 64)), max(4, round(size * 14 / 64))
    placed: list[Box] = []
    old = _place_buildings(rng, size, int(rng.integers(2, 6)), lo, hi, placed)
    new = _place_buildings(rng, size, int(rng.integers(1, 4)), lo, hi, placed) if changed else []
    removed = [old.pop(int(rng.integers(len(old))))] if changed and old and rng.random() < 0.3 else []
    before, after = terrain.copy(), terrain.copy()
    for box in old + removed:
        _draw_building(rng, before, box)
    after[...] = before
    for box in removed:
        x1, y1, x2, y2 = box
        after[y1:y2, x1:x2] = terrain[y1:y2, x1:x2]
    for box in new:
        _draw_building(rng, after, box)
    label = np.zeros((size, size), dtype=np.uint8)
    for x1, y1, x2, y2 in new + removed:
        label[y1:y2, x1:x2] = 255
    before += _noise(rng, before.shape, 3.0)
    after *= np.float32(rng.uniform(0.88, 1.12))
    after += rng.uniform(-8, 8, 3).astype(np.float32) + _noise(rng, after.shape, 3.0)
    return _rgb(before), _rgb(after), Image.fromarray(label, mode="L")


def _terrain(rng: np.random.Generator, size: int) -> np.ndarray:
    """Fields of two or three earthy colours with some detail, sometimes crossed by a road (float HxWx3)."""
    c0, c1, c2 = _TERRAIN[rng.choice(len(_TERRAIN), 3, replace=False)]
    f = _smooth_noise(rng, size, int(rng.integers(3, 6)))[..., None]
    g = np.clip((_smooth_noise(rng, size, int(rng.integers(4, 8))) - 0.6) * 4, 0, 1)[..., None]
    detail = (_smooth_noise(rng, size, max(4, size // 4)) - 0.5)[..., None] * 24
    pixels = (c0 * (1 - f) + c1 * f) * (1 - g) + c2 * g + detail
    if rng.random() < 0.4:
        angle, offset, width = rng.uniform(0, math.pi), rng.uniform(-size / 3, size / 3), rng.uniform(2, 4)
        steps = np.arange(size, dtype=np.float32) - size / 2
        road = np.abs(steps[None, :] * math.cos(angle) + steps[:, None] * math.sin(angle) - offset) < width / 2
        pixels[road] = rng.uniform(110, 150) + detail[road] / 3
    return pixels


def _place_buildings(rng: np.random.Generator, size: int, n: int, lo: int, hi: int, placed: list[Box]) -> list[Box]:
    """Up to ``n`` rectangles that keep 2 px from each other and from ``placed`` (which they join)."""
    boxes = []
    for _ in range(n):
        for _attempt in range(40):
            w, h = (int(v) for v in rng.integers(lo, hi + 1, 2))
            x, y = int(rng.integers(1, size - w)), int(rng.integers(1, size - h))
            box = (x, y, x + w, y + h)
            if all(_overlap((x - 2, y - 2, x + w + 2, y + h + 2), other) == 0 for other in placed):
                placed.append(box)
                boxes.append(box)
                break
    return boxes


def _draw_building(rng: np.random.Generator, pixels: np.ndarray, box: Box) -> None:
    """A roof (the palette colour that stands out most from the ground), a ridge and a shadowed edge."""
    x1, y1, x2, y2 = box
    ground = pixels[y1:y2, x1:x2]
    candidates = np.clip(_ROOFS[rng.integers(len(_ROOFS), size=6)] + rng.uniform(-20, 20, (6, 3)), 0, 255)
    scores = np.abs(ground[None] - candidates[:, None, None].astype(np.float32)).sum(axis=-1).min(axis=(1, 2))
    roof = candidates[int(np.argmax(scores))].astype(np.float32)
    pixels[y1:y2, x1:x2] = roof
    if x2 - x1 >= y2 - y1:
        pixels[(y1 + y2) // 2, x1:x2] = roof * 0.85
    else:
        pixels[y1:y2, (x1 + x2) // 2] = roof * 0.85
    pixels[y2 - 1, x1:x2] = roof * 0.7
    pixels[y1:y2, x2 - 1] = roof * 0.7


# --- helpers ---------------------------------------------------------------------------------


def _rng(seed: int, split: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(split.encode()), index])


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Values in 0..1 varying smoothly over ``size`` px: a ``cells``-square random grid, upsampled."""
    grid = Image.fromarray(rng.random((cells, cells), dtype=np.float32), mode="F")
    return np.clip(np.asarray(grid.resize((size, size), Image.Resampling.BICUBIC)), 0.0, 1.0)


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)


def _rgb(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, compress_level=1)
