"""Segmentation adapters: a network from images to per-pixel class logits ``(N, C, H, W)`` (or
torchvision's ``{"out": logits}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.common.training_config import TrainingConfig
from visionyard.engine.adapters.base import TorchModulePlugin, torchvision_weight_files, torchvision_weight_sources
from visionyard.engine.tasks.segmentation import SegmentationModule, logits_of
from visionyard.plugins.schema import WeightSource


class LogitsOnly(nn.Module):
    """Plain logits from a model that may answer a dict, for tracing and export."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return logits_of(self.model(images))


class TorchModuleSegmenter(TorchModulePlugin):
    """``create_model`` answers one logit per class and pixel; class 0 is usually the background."""

    task = "segmentation"

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return SegmentationModule(self._require_model(), self.class_names, cfg, monitor, mode)

    def exportable(self) -> nn.Module:
        return LogitsOnly(self._require_model())

    @torch.inference_mode()
    def infer(self, images: torch.Tensor) -> list[dict[str, Any]]:
        probabilities = logits_of(self._require_model().eval()(images)).softmax(dim=1)
        confidence, masks = probabilities.max(dim=1)
        return [
            {
                "mask": mask.to(torch.uint8),
                "classes_present": self._names(mask.unique().tolist()),
                "confidence": float(score.mean()),
            }
            for mask, score in zip(masks, confidence, strict=True)
        ]

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        spatial = {0: "batch", 2: "height", 3: "width"}
        return {"images": spatial, "logits": spatial}


class TorchvisionSegmenter(TorchModuleSegmenter):
    """A torchvision segmentation architecture; options become builder keyword arguments."""

    architecture: ClassVar[str]

    def create_model(self) -> nn.Module:
        from torchvision import models

        return models.get_model(
            self.architecture, weights=None, weights_backbone=None, num_classes=self.num_classes, **self.options
        )

    def pretrained_candidates(self) -> list[Path]:
        return torchvision_weight_files(self.architecture)

    def pretrained_sources(self) -> list[WeightSource]:
        return torchvision_weight_sources(self.architecture)

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().backbone.children())
