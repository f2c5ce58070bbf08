"""Detection adapters: a torchvision-style detector (a list of images in; a loss dict in train mode,
one ``{"boxes", "labels", "scores"}`` dict per image in eval mode; label 0 = background)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.common.training_config import TrainingConfig
from visionyard.engine.adapters.base import TorchModulePlugin, torchvision_weight_files, torchvision_weight_sources
from visionyard.engine.tasks.detection import DetectionModule, from_model_labels
from visionyard.plugins.schema import WeightSource

TRACE_CANDIDATES = 32
"""Most example images tried when looking for one the detector finds a box on, to trace its ONNX graph with."""


class DetectionsOfOneImage(nn.Module):
    """A detector's answer for one image as ``(boxes, labels, scores)``, in that order whatever order the
    detector's dict has (SSD's is boxes, scores, labels), for ONNX export."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        found = self.model(images)[0]
        return found["boxes"], found["labels"], found["scores"]


class TorchModuleDetector(TorchModulePlugin):
    """``create_model`` answers a detector with ``self.num_classes + 1`` classes, 0 being background."""

    task = "detection"
    output_names = ("boxes", "labels", "scores")

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return DetectionModule(self._require_model(), self.class_names, cfg, monitor, mode)

    @torch.inference_mode()
    def infer(self, images: torch.Tensor | list[torch.Tensor], score_threshold: float = 0.25) -> list[dict[str, Any]]:
        predictions = from_model_labels(self._require_model().eval()(list(images)))
        return [self.result(p, p["scores"] >= score_threshold) for p in predictions]

    def result(self, found: dict[str, torch.Tensor], keep: torch.Tensor) -> dict[str, Any]:
        """One image's answer of ``infer``: the detections ``keep`` selects."""
        labels = found["labels"][keep].tolist()
        return {
            "boxes": found["boxes"][keep].tolist(),
            "labels": labels,
            "class_names": self._names(labels),
            "scores": found["scores"][keep].tolist(),
        }

    def example_inputs(self, batch: int = 1) -> tuple[Any, ...]:
        size = self.training_config.preprocessing.image_size
        return ([torch.rand(3, size, size) for _ in range(batch)],)

    def exportable(self) -> nn.Module:
        return DetectionsOfOneImage(self._require_model())

    @torch.inference_mode()
    def trace_example(self, examples: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
        """The first example (else a random image) on which the detector finds a box. Tracing keeps the
        branches the traced image takes: where it finds no box, torchvision's detectors take their
        "nothing found" shortcuts (Faster R-CNN skips reshaping the box deltas when the RPN proposes
        nothing; NMS answers a constant empty result), and the graph is wrong for every other image."""
        model = self._require_model().eval()
        tried = 0
        for example in (*islice(examples, TRACE_CANDIDATES), self.example_inputs()):
            tried += 1
            if len(model(list(example[0]))[0]["boxes"]):
                return example
        raise ValueError(
            f"the detector finds no box on any of the {tried} images tried, and an ONNX graph traced on such an "
            "image answers no box for any image: train it further, or export it with images it finds boxes on"
        )

    def torchscript(self, module: nn.Module, example: tuple[Any, ...]) -> torch.jit.ScriptModule:
        """The detector itself is scripted (its control flow depends on the data); the scripted model takes
        a list of images and answers ``(losses, detections)``."""
        return torch.jit.script(self._require_model().eval())

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        return {"images": {1: "height", 2: "width"}, **{name: {0: "detections"} for name in self.output_names}}

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().backbone.body.children())


class TorchvisionDetector(TorchModuleDetector):
    """A torchvision detection architecture; options (and ``builder_options``) become builder arguments."""

    architecture: ClassVar[str]

    def builder_options(self) -> dict[str, Any]:
        return {}

    def create_model(self) -> nn.Module:
        from torchvision import models

        return models.get_model(
            self.architecture,
            weights=None,
            weights_backbone=None,
            num_classes=self.num_classes + 1,
            **self.builder_options(),
            **self.options,
        )

    def pretrained_candidates(self) -> list[Path]:
        return torchvision_weight_files(self.architecture)

    def pretrained_sources(self) -> list[WeightSource]:
        return torchvision_weight_sources(self.architecture)
