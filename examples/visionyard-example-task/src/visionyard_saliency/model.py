"""An adapter for the task and a model plugin of it."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import nn

from visionyard.sdk import ModelMetadata, TorchModulePlugin, TrainingConfig, number
from visionyard_saliency.engine import SaliencyModule


class TorchModuleSaliency(TorchModulePlugin):
    """``create_model`` answers a network of one logit per pixel at the input's size."""

    task = "saliency"

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return SaliencyModule(self._require_model(), cfg, monitor, mode)

    @torch.inference_mode()
    def infer(self, images: torch.Tensor) -> list[dict[str, Any]]:
        probabilities = self._require_model().eval()(images)[:, 0].sigmoid()
        return [
            {"mask": (p >= 0.5).to(torch.uint8).numpy(), "salient_fraction": float((p >= 0.5).float().mean())}
            for p in probabilities
        ]


class TinySaliency(TorchModuleSaliency):
    info = ModelMetadata(
        name="tiny_saliency",
        version="0.1.0",
        author="Example Author",
        framework="custom",
        task_type="saliency",
        description="A small encoder-decoder that finds the salient object: a task and its model from a plugin.",
        recommended_batch_size=16,
    )
    config_fields = (number("width", 16, 4, 128, "channels of the first layer"),)

    def create_model(self) -> nn.Module:
        width = self.options["width"]
        return nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(2 * width, 1, 3, padding=1),
        )
