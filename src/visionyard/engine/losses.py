"""Losses for binary dense prediction.

:class:`BCEDiceLoss` is the hybrid loss of change detection (spec/004): per-pixel binary cross-entropy,
which keeps gradients well-behaved, plus a soft Dice term, which counters the heavy imbalance between
the few changed pixels and the many unchanged ones. Pixels labelled ``255`` are ignored by both terms.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IGNORE_INDEX = 255


class BCEDiceLoss(nn.Module):
    """``weight_bce * BCE + weight_dice * (1 - Dice)`` over the valid pixels of a batch.

    ``logits``: ``(N, 1, H, W)``. ``target``: ``(N, H, W)`` or ``(N, 1, H, W)``, values 0 or 1 (any dtype),
    ``255`` for pixels to ignore. BCE is averaged over the valid pixels; the soft Dice (probabilities
    against the target, ``smooth`` added to numerator and denominator) is taken over all valid pixels of
    the batch together. With no valid pixel the loss is 0."""

    def __init__(self, weight_bce: float = 0.5, weight_dice: float = 0.5, smooth: float = 1.0):
        super().__init__()
        if weight_bce < 0 or weight_dice < 0 or smooth < 0:
            raise ValueError("weight_bce, weight_dice and smooth must be non-negative")
        self.weight_bce = weight_bce
        self.weight_dice = weight_dice
        self.smooth = smooth

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        if logits.ndim != 4 or logits.shape[1] != 1:
            raise ValueError(f"logits must be (N, 1, H, W), got {tuple(logits.shape)}")
        if target.ndim == 3:
            target = target.unsqueeze(1)
        if target.shape != logits.shape:
            raise ValueError(f"target {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
        valid = (target != IGNORE_INDEX).to(logits.dtype)
        truth = torch.where(target == IGNORE_INDEX, torch.zeros_like(target), target).to(logits.dtype)

        n_valid = valid.sum()
        bce = F.binary_cross_entropy_with_logits(logits, truth, reduction="none")
        bce = (bce * valid).sum() / n_valid.clamp_min(1.0)

        probs = torch.sigmoid(logits) * valid
        truth = truth * valid
        intersection = (probs * truth).sum()
        dice = (2.0 * intersection + self.smooth) / (probs.sum() + truth.sum() + self.smooth)
        dice_loss = torch.where(n_valid > 0, 1.0 - dice, torch.zeros_like(dice))
        return self.weight_bce * bce + self.weight_dice * dice_loss
