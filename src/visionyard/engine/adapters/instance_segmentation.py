"""Instance segmentation adapters: a torchvision-style instance segmenter (Mask R-CNN), a detector whose
targets carry ``masks`` and whose answers add ``masks`` as ``(N, 1, H, W)`` probabilities."""

from __future__ import annotations

from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.common.training_config import TrainingConfig
from visionyard.engine.adapters.detection import TorchModuleDetector, TorchvisionDetector
from visionyard.engine.tasks.instance_segmentation import InstanceSegmentationModule
from visionyard.metrics.instance_segmentation import MASK_THRESHOLD


class ObjectsOfOneImage(nn.Module):
    """An instance segmenter's answer for one image as ``(boxes, labels, scores, masks)``, for ONNX export."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        found = self.model(images)[0]
        return found["boxes"], found["labels"], found["scores"], found["masks"]


class TorchModuleInstanceSegmenter(TorchModuleDetector):
    """``create_model`` answers an instance segmenter with ``self.num_classes + 1`` classes, 0 being background."""

    task = "instance_segmentation"
    output_names = ("boxes", "labels", "scores", "masks")

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return InstanceSegmentationModule(self._require_model(), self.class_names, cfg, monitor, mode)

    def result(self, found: dict[str, torch.Tensor], keep: torch.Tensor) -> dict[str, Any]:
        """Detections with each object's ``(H, W)`` uint8 mask at the input's size."""
        masks = (found["masks"][keep, 0] >= MASK_THRESHOLD).to(torch.uint8).cpu().numpy()
        return {**super().result(found, keep), "masks": masks}

    def exportable(self) -> nn.Module:
        return ObjectsOfOneImage(self._require_model())

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        return {**super().dynamic_axes(), "masks": {0: "detections", 2: "height", 3: "width"}}


class TorchvisionInstanceSegmenter(TorchModuleInstanceSegmenter, TorchvisionDetector):
    """A torchvision instance segmentation architecture (``architecture``), built as its detectors are."""

    architecture: ClassVar[str]
