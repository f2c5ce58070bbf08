"""What the benchmark scripts share: a generated dataset (no download)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def make_colour_images(root: Path, size: int = 224, per_class: int = 8) -> None:
    """Three classes of coloured noise (train and val), JPEGs of ``size`` x ``size``: learnable in one epoch."""
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for c, name in enumerate(("red", "green", "blue")):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                pixels = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
                pixels[..., c] += 150
                Image.fromarray(pixels).save(folder / f"{i}.jpg", quality=90)
