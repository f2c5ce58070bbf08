"""Classification adapters: a plain ``nn.Module`` (images to logits), a torchvision or a timm architecture."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.common.training_config import TrainingConfig
from visionyard.engine.adapters.base import TorchModulePlugin, torchvision_weight_files, torchvision_weight_sources
from visionyard.engine.tasks.classification import ClassificationModule
from visionyard.plugins.schema import WeightSource

HUB_FILE = "model.safetensors"
"""The weights file of timm's repositories on the Hugging Face Hub (their ``pytorch_model.bin`` is a pickle)."""


class TorchModuleClassifier(TorchModulePlugin):
    """Adapter for a plain ``nn.Module`` classifier: ``create_model`` answers one logit per class."""

    task = "classification"

    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        return ClassificationModule(self._require_model(), self.num_classes, cfg, monitor, mode)

    @torch.inference_mode()
    def infer(self, images: torch.Tensor, top_k: int = 5) -> list[dict[str, Any]]:
        probabilities = self._require_model().eval()(images).softmax(dim=1)
        scores, labels = probabilities.topk(min(top_k, self.num_classes), dim=1)
        return [
            {
                "label": int(row_labels[0]),
                "class_name": self.class_names[int(row_labels[0])],
                "confidence": float(row_scores[0]),
                "top_k": [
                    {"label": int(lab), "class_name": self.class_names[int(lab)], "confidence": float(s)}
                    for lab, s in zip(row_labels, row_scores, strict=True)
                ],
            }
            for row_scores, row_labels in zip(scores, labels, strict=True)
        ]


class TorchvisionClassifier(TorchModuleClassifier):
    """A torchvision classification architecture; options become builder keyword arguments."""

    architecture: ClassVar[str]

    def create_model(self) -> nn.Module:
        from torchvision import models

        return models.get_model(self.architecture, weights=None, num_classes=self.num_classes, **self.options)

    def pretrained_candidates(self) -> list[Path]:
        return torchvision_weight_files(self.architecture)

    def pretrained_sources(self) -> list[WeightSource]:
        return torchvision_weight_sources(self.architecture)


class TimmClassifier(TorchModuleClassifier):
    """A timm architecture; options become ``timm.create_model`` keyword arguments."""

    timm_name: ClassVar[str]

    def create_model(self) -> nn.Module:
        import timm

        return timm.create_model(self.timm_name, pretrained=False, num_classes=self.num_classes, **self.options)

    def pretrained_sources(self) -> list[WeightSource]:
        return timm_weight_sources(self.timm_name)


def timm_weight_sources(name: str) -> list[WeightSource]:
    """The published weights of a timm architecture (``efficientnet_b0``, or with a tag: ``efficientnet_b0.ra_in1k``):
    the ``model.safetensors`` of the Hugging Face Hub repository its pretrained config names, at the Hub that
    ``HF_ENDPOINT`` names (huggingface.co by default); safetensors only, never a pickle."""
    from huggingface_hub import hf_hub_url
    from timm.models import get_pretrained_cfg

    config = get_pretrained_cfg(name)
    if config is None or not config.hf_hub_id:
        return []
    repo, _, revision = config.hf_hub_id.partition("@")
    url = hf_hub_url(repo, HUB_FILE, revision=revision or None)
    return [WeightSource(url, hub_hash=True, name=f"{repo.replace('/', '--')}--{HUB_FILE}")]
