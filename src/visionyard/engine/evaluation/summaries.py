"""Compact curves and histograms for reports (JSON-sized, not every threshold)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

CURVE_POINTS = 101
HISTOGRAM_BINS = 20


def thin_curve(x_name: str, xs: Any, y_name: str, ys: Any, points: int = CURVE_POINTS) -> dict[str, list[float]]:
    """At most ``points`` evenly spaced points of a curve, its first and last kept."""
    x, y = _array(xs), _array(ys)
    if len(x) > points:
        keep = np.unique(np.linspace(0, len(x) - 1, points).round().astype(int))
        x, y = x[keep], y[keep]
    return {x_name: x.tolist(), y_name: y.tolist()}


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict[str, list[float] | list[int]]:
    """Counts of values in [0, 1] over equal bins."""
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins=bins, range=(0.0, 1.0))
    return {"edges": edges.round(6).tolist(), "counts": counts.tolist()}


def _array(values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().double().cpu().numpy()
    return np.asarray(values, dtype=np.float64)
