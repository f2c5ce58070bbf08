"""Warnings about a run's training loss, worked out from its epoch rows alone (so a resumed run
finds the same ones and reports only what is new)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

RISING_EPOCHS = 3
"""A loss that grew in this many epochs in a row is reported as rising."""


def loss_warnings(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{"kind", "epoch", "message"}`` per problem: a loss that is NaN or infinite, one that keeps rising."""
    losses = [(row["epoch"], float(row["train_loss"])) for row in rows if row.get("train_loss") is not None]
    warnings = []
    broken = next(((epoch, loss) for epoch, loss in losses if not math.isfinite(loss)), None)
    if broken is not None:
        epoch, loss = broken
        message = f"the training loss is {loss} in epoch {epoch}: training diverged (lower the learning rate)"
        warnings.append({"kind": "loss_not_finite", "epoch": epoch, "message": message})
    finite = [(epoch, loss) for epoch, loss in losses if math.isfinite(loss)]
    for end in range(RISING_EPOCHS, len(finite)):
        window = finite[end - RISING_EPOCHS : end + 1]
        if all(later > earlier for (_, earlier), (_, later) in itertools.pairwise(window)):
            (first, low), (last, high) = window[0], window[-1]
            message = (
                f"the training loss rose in {RISING_EPOCHS} epochs in a row, from {low:.4g} in epoch {first} "
                f"to {high:.4g} in epoch {last}: the learning rate may be too high"
            )
            warnings.append({"kind": "loss_rising", "epoch": last, "message": message})
            break
    return warnings
