"""Semantic segmentation as a LightningModule: per-pixel cross-entropy with an ignore index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from visionyard.common.tasks import SEGMENTATION
from visionyard.common.training_config import TrainingConfig
from visionyard.data import loading
from visionyard.engine import answers, predictions
from visionyard.engine.evaluation.recorders import SegmentationRecorder
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import TaskKit
from visionyard.metrics.segmentation import IGNORE_INDEX, segmentation_metric, summarise_segmentation


def logits_of(output: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
    """torchvision's segmentation models answer ``{"out": logits, "aux": ...}``; others the logits."""
    return output["out"] if isinstance(output, dict) else output


class SegmentationModule(TaskModule):
    task = "segmentation"

    def __init__(self, model: nn.Module, class_names: Sequence[str], cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__(model, cfg, monitor, mode)
        self.class_names = list(class_names)
        self.val_confusion = segmentation_metric(len(self.class_names))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return logits_of(self.model(images))

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        images, masks = batch
        loss = F.cross_entropy(self(images), masks, weight=self.loss_weights, ignore_index=IGNORE_INDEX)
        self.log_train_loss(loss, len(images))
        return loss

    def per_image_loss(self, outputs: torch.Tensor, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Cross-entropy averaged over each image's labelled pixels."""
        masks = batch[1]
        pixels = F.cross_entropy(outputs, masks, ignore_index=IGNORE_INDEX, reduction="none")
        valid = (masks != IGNORE_INDEX).flatten(1)
        return pixels.flatten(1).sum(1) / valid.sum(1).clamp(min=1)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> dict[str, Any]:
        images, masks = batch
        logits = self(images)
        loss = F.cross_entropy(logits, masks, ignore_index=IGNORE_INDEX)
        self.log("val_loss", loss, prog_bar=True, batch_size=len(images), sync_dist=True)
        self.val_confusion.update(logits.argmax(1), masks)
        return {"outputs": logits, "losses": self.per_image_loss(logits, batch)}

    def on_validation_epoch_end(self) -> None:
        metrics: dict[str, Any] = summarise_segmentation(self.val_confusion.compute(), self.class_names)
        self.val_confusion.reset()
        self.log("val_miou", metrics.pop("val_miou"), prog_bar=True)
        self.log_dict(metrics)


KIT = TaskKit(
    SEGMENTATION,
    loading.TaskLoading(loading.load_segmentation, loading.segmentation_transform, loading.finish_segmentation),
    SegmentationRecorder,
    predictions.segmentation_predictions,
    answers.segmentation_answer,
    answers.segmentation_overlay,
    runtimes.logits,
    ParityMeter.classes,
    postprocessing={
        "outputs": ["logits"],
        "mask": "argmax over the class dimension, resized to the image with nearest neighbours",
    },
    snippet="""x, size = preprocess("image.jpg")
classes = run(x)[0][0].argmax(0).astype(np.uint8)
mask = np.asarray(Image.fromarray(classes).resize(size, Image.NEAREST))
print({meta["class_names"][c]: int(n) for c, n in enumerate(np.bincount(mask.ravel())) if n})
""",
)
