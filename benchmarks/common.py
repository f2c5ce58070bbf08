"""What the benchmark scripts share: a generated dataset (no download) and a training step timer."""

from __future__ import annotations

import time
from pathlib import Path

import lightning as L
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


WARMUP = 3
"""Steps left out of a throughput: the first batches pay for start-up."""


class StepTimer(L.Callback):
    """When the first training step began, and the training throughput of all ranks from step WARMUP on,
    validation between timed steps taken out (every rank takes the same steps, so rank zero's time covers them
    all). The validation that follows the last step is outside the span and not taken out: it was, which made a
    one-epoch run look faster by the time of its validation."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.start: float | None = None
        self.end, self.paused, self.images, self._val_start, self._val_pending = 0.0, 0.0, 0, 0.0, 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        if self.start is None and trainer.global_step == WARMUP:
            self.start = now
        self.paused += self._val_pending  # a validation between timed steps: inside the span, taken out
        self._val_pending = 0.0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.start is not None:
            self.images += len(batch[1]) * trainer.world_size
            self.end = time.perf_counter()

    def on_validation_start(self, trainer, pl_module) -> None:
        self._val_start = time.perf_counter()

    def on_validation_end(self, trainer, pl_module) -> None:
        # Taken out only once a training step follows: the validation after the last step is outside the span.
        if self.start is not None:
            self._val_pending += time.perf_counter() - self._val_start

    @property
    def throughput(self) -> float:
        assert self.start is not None, "fewer than WARMUP steps"
        return self.images / (self.end - self.start - self.paused)
