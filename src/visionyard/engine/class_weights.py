"""Per-class loss weights: ``auto`` from the training split's class frequencies, or the user's own list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from visionyard.common.tasks import task_spec
from visionyard.data.formats.render import render_mask
from visionyard.data.formats.samples import IGNORE_INDEX
from visionyard.plugins.validation import ConfigError, ConfigProblem

MASKS_COUNTED = 200
"""Segmentation masks read for ``auto`` (spread over the split), so a large dataset is not read twice."""


def class_weights(
    setting: str | list[float], samples: Sequence[Any], classes: Sequence[str], task: str
) -> torch.Tensor | None:
    """None for ``none``; else one weight per class: the list as given, or for ``auto`` the inverse of each
    class's share (``n / (classes present * n_class)``, scikit-learn's "balanced"; 1 for a class absent)."""
    if setting == "none":
        return None
    if isinstance(setting, list):
        if len(setting) != len(classes):
            reason = f"{len(setting)} weights for {len(classes)} classes ({', '.join(classes)})"
            raise ConfigError([ConfigProblem("class_weights", reason)])
        return torch.tensor(setting, dtype=torch.float32)
    counts = _counts(samples, len(classes), task)
    present = counts > 0
    weights = np.ones(len(classes))
    weights[present] = counts[present].sum() / (present.sum() * counts[present])
    return torch.tensor(weights, dtype=torch.float32)


def _counts(samples: Sequence[Any], n: int, task: str) -> np.ndarray:
    if task_spec(task).target == "label":
        return np.bincount([s.label for s in samples], minlength=n)[:n].astype(np.float64)
    step = max(1, len(samples) // MASKS_COUNTED)
    counts = np.zeros(n, dtype=np.float64)
    for sample in samples[::step][:MASKS_COUNTED]:
        mask = render_mask(sample)
        counts += np.bincount(mask[mask != IGNORE_INDEX].ravel(), minlength=n)[:n]
    return counts
