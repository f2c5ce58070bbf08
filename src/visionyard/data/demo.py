"""Demo datasets written under the data folder; nothing is downloaded.

``digits``: the 1,797 handwritten digits that scikit-learn ships, as 32x32 PNGs in
train/val/test class folders. ``shapes``: coloured circles, squares and triangles on noise.
``shapes_detection`` (COCO), ``shapes_segmentation`` (masks) and ``shapes_change`` (LEVIR-CD): synthetic
scenes for the dense tasks, written by ``visionyard.data.demo_dense``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection, write_shapes_segmentation
from visionyard.data.image_folder import stratified_split

DEMO_DATASETS: dict[str, Callable[[Path], None]] = {}


def _demo(name: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        DEMO_DATASETS[name] = fn
        return fn

    return register


def write_demo_datasets(data_root: Path, force: bool = False) -> dict[str, Path]:
    """Write every demo set that is not there yet (all of them with ``force``); return their folders."""
    data_root.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, writer in DEMO_DATASETS.items():
        target = data_root / name
        if target.exists() and not force:
            written[name] = target
            continue
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=data_root))
        try:
            writer(staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        written[name] = target
    return written


@_demo("digits")
def _write_digits(root: Path) -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    files: dict[str, list[Path]] = {}
    for i, (pixels, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        files.setdefault(str(label), []).append(Path(f"{i:04d}.png"))
        image = Image.fromarray((pixels * (255.0 / 16.0)).astype(np.uint8), mode="L")
        _save(image.resize((32, 32), Image.Resampling.BICUBIC), root / "all" / str(label) / f"{i:04d}.png")
    train_val, test = stratified_split(files, 0.15, seed=0)
    train, val = stratified_split(train_val, 0.15 / 0.85, seed=1)
    for split, by_class in (("train", train), ("val", val), ("test", test)):
        for label, names in by_class.items():
            for name in names:
                _move(root / "all" / label / name, root / split / label / name)
    shutil.rmtree(root / "all")


@_demo("shapes")
def _write_shapes(root: Path, per_class: int = 80, size: int = 64) -> None:
    rng = random.Random(7)
    for i in range(per_class * 3):
        shape = ("circle", "square", "triangle")[i % 3]
        noise = np.random.default_rng(i).integers(0, 90, (size, size, 3), dtype=np.uint8)
        image = Image.fromarray(noise, mode="RGB")
        draw = ImageDraw.Draw(image)
        r = rng.randint(size // 6, size // 3)
        cx, cy = rng.randint(r, size - r), rng.randint(r, size - r)
        colour = tuple(rng.randint(120, 255) for _ in range(3))
        if shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif shape == "square":
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
        split = "test" if i % 10 == 0 else "val" if i % 10 == 1 else "train"
        _save(image, root / split / shape / f"{i:04d}.png")


@_demo("shapes_detection")
def _write_shapes_detection(root: Path) -> None:
    write_shapes_detection(root)


@_demo("shapes_segmentation")
def _write_shapes_segmentation(root: Path) -> None:
    write_shapes_segmentation(root)


@_demo("shapes_change")
def _write_shapes_change(root: Path) -> None:
    write_shapes_change(root)


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    src.rename(dst)
