"""Change-detection adapters: a network from a (before, after) pair to one change logit per pixel
``(N, 1, H, W)``, trained with the hybrid BCE + Dice loss (``weight_bce``, ``weight_dice`` options)."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch

from visionyard.common.training_config import TrainingConfig
from visionyard.engine.adapters.base import TorchModulePlugin
from visionyard.engine.losses import BCEDiceLoss
from visionyard.engine.tasks.change_detection import ChangeDetectionModule


class TorchModuleChangeDetector(TorchModulePlugin):
    task = "change_detection"
    input_names = ("before", "after")

    def loss(self) -> BCEDiceLoss:
        return BCEDiceLoss(self.options.get("weight_bce", 0.5), self.options.get("weight_dice", 0.5))

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return ChangeDetectionModule(self._require_model(), self.loss(), cfg, monitor, mode)

    @torch.inference_mode()
    def infer(self, images: tuple[torch.Tensor, torch.Tensor], threshold: float = 0.5) -> list[dict[str, Any]]:
        """``images`` is the (before, after) pair of batches."""
        before, after = images
        probabilities = self._require_model().eval()(before, after)[:, 0].sigmoid()
        results = []
        for p in probabilities:
            changed = p >= threshold
            certainty = torch.where(changed, p, 1 - p)
            results.append(
                {
                    "change_mask": changed.to(torch.uint8),
                    "changed_fraction": float(changed.float().mean()),
                    "confidence": float(certainty.mean()),
                }
            )
        return results

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        spatial = {0: "batch", 2: "height", 3: "width"}
        return {"before": spatial, "after": spatial, "logits": spatial}
