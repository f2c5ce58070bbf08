"""Classification adapters: everything of the plugin contract except the network.

- :class:`TorchModuleClassifier`: any ``nn.Module`` mapping images to logits; implement ``create_model``.
- :class:`TorchvisionClassifier`: a torchvision architecture by name.
- :class:`TimmClassifier`: a timm architecture by name.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.engine.tasks.classification import ClassificationModule
from visionyard.engine.weights import load_matching, read_state_dict, state_dict_of
from visionyard.metrics.classification import HEADLINE, classification_metrics
from visionyard.plugins.sdk import ModelPlugin
from visionyard.storage.atomic import write_with
from visionyard.training_config import TrainingConfig

EXPORT_FORMATS = ("torchscript", "onnx")


class TorchModuleClassifier(ModelPlugin):
    """Adapter for a plain ``nn.Module`` classifier."""

    @abstractmethod
    def create_model(self) -> nn.Module:
        """A fresh network with ``self.num_classes`` outputs, configured from ``self.options``."""

    @property
    def training_config(self) -> TrainingConfig:
        return TrainingConfig.from_run_config(self.config)

    def build(self, pretrained_weights: Path | None = None) -> nn.Module:
        self.model = self.create_model()
        if pretrained_weights is not None:
            load_matching(self.model, read_state_dict(pretrained_weights))
        return self.model

    def training_module(self) -> L.LightningModule:
        cfg = self.training_config
        monitor, mode = cfg.validation.monitored(HEADLINE)
        return ClassificationModule(self._require_model(), self.num_classes, cfg, monitor, mode)

    def train(self, trainer: L.Trainer, datamodule: L.LightningDataModule, ckpt_path: Path | None = None) -> None:
        trainer.fit(self.training_module(), datamodule=datamodule, ckpt_path=ckpt_path)

    @torch.inference_mode()
    def validate(self, dataloader: Any) -> dict[str, float]:
        model = self._require_model().eval()
        metrics = classification_metrics(self.num_classes)
        for images, labels in dataloader:
            metrics.update(model(images), labels)
        return {k: float(v) for k, v in metrics.compute().items()}

    @torch.inference_mode()
    def infer(self, images: torch.Tensor, top_k: int = 5) -> list[dict[str, Any]]:
        probabilities = self._require_model().eval()(images).softmax(dim=1)
        k = min(top_k, self.num_classes)
        scores, labels = probabilities.topk(k, dim=1)
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

    def save_checkpoint(self, path: Path, **meta: Any) -> None:
        payload = {"state_dict": self._require_model().state_dict(), "meta": meta}
        write_with(path, lambda handle: torch.save(payload, handle))

    def load_checkpoint(self, path: Path) -> dict[str, Any]:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
        self._require_model().load_state_dict(state_dict_of(loaded, path))
        return dict(loaded.get("meta", {})) if isinstance(loaded, dict) else {}

    def export(self, path: Path, format: str, **options: Any) -> Path:
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}; valid: {', '.join(EXPORT_FORMATS)}")
        model = self._require_model().eval()
        size = self.training_config.preprocessing.image_size
        example = torch.zeros(1, 3, size, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if format == "torchscript":
            traced = torch.jit.trace(model, example)
            write_with(path, lambda handle: torch.jit.save(traced, handle))
        else:
            torch.onnx.export(
                model,
                (example,),
                str(path),
                input_names=["images"],
                output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
                opset_version=int(options.get("opset", 17)),
                dynamo=False,
            )
        return path

    def stages(self) -> list[nn.Module]:
        children = list(self._require_model().children())
        return children[:-1]

    def _require_model(self) -> nn.Module:
        if self.model is None:
            raise RuntimeError("call build() first")
        return self.model


class TorchvisionClassifier(TorchModuleClassifier):
    """A torchvision classification architecture; options become builder keyword arguments."""

    architecture: ClassVar[str]

    def create_model(self) -> nn.Module:
        from torchvision import models

        return models.get_model(self.architecture, weights=None, num_classes=self.num_classes, **self.options)

    def pretrained_candidates(self) -> list[Path]:
        from torchvision import models

        hub = Path(torch.hub.get_dir()) / "checkpoints"
        weights = models.get_model_weights(self.architecture)
        return [hub / Path(w.url).name for w in weights]


class TimmClassifier(TorchModuleClassifier):
    """A timm architecture; options become ``timm.create_model`` keyword arguments."""

    timm_name: ClassVar[str]

    def create_model(self) -> nn.Module:
        import timm

        return timm.create_model(self.timm_name, pretrained=False, num_classes=self.num_classes, **self.options)
