"""The engine's side of the task: its LightningModule, its records and its kit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MeanAbsoluteError
from torchmetrics.classification import BinaryFBetaScore

from visionyard.sdk import (
    IGNORE_INDEX,
    BCEDiceLoss,
    ParityMeter,
    SegmentationRecorder,
    TaskKit,
    TaskLoading,
    TaskModule,
    TrainingConfig,
    answers,
    loading,
    runtimes,
)
from visionyard_saliency.task import SALIENCY

BETA_SQUARED = 0.3
"""Saliency's F-measure weighs precision over recall (Achanta et al., 2009)."""


class SaliencyModule(TaskModule):
    task = "saliency"

    def __init__(self, model: nn.Module, cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__(model, cfg, monitor, mode)
        self.loss = BCEDiceLoss()
        self.val_fbeta = BinaryFBetaScore(beta=BETA_SQUARED**0.5, ignore_index=IGNORE_INDEX)
        self.val_mae = MeanAbsoluteError()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Salient-object logits ``(N, 1, H, W)``."""
        return self.model(images)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        images, salient = batch
        loss = self.loss(self(images), salient)
        self.log_train_loss(loss, len(images))
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> dict[str, Any]:
        images, salient = batch
        logits = self(images)
        probabilities = logits[:, 0].sigmoid()
        self.log("val_loss", self.loss(logits, salient), prog_bar=True, batch_size=len(images))
        self.val_fbeta.update(probabilities, salient)
        labelled = salient != IGNORE_INDEX
        self.val_mae.update(probabilities[labelled], salient[labelled].float())
        return {"outputs": logits, "losses": None}

    def on_validation_epoch_end(self) -> None:
        self.log("val_fbeta", self.val_fbeta.compute(), prog_bar=True)
        self.log("val_mae", self.val_mae.compute())
        self.val_fbeta.reset()
        self.val_mae.reset()


class SaliencyRecorder(SegmentationRecorder):
    """A segmentation's records and report over the two classes of the task."""

    def truth_mask(self, sample: Any) -> np.ndarray:
        classes = super().truth_mask(sample)
        return np.where(classes == IGNORE_INDEX, classes, classes > 0).astype(np.uint8)


def finish(image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A segmentation sample's class mask as the salient object: every class but the background."""
    image, classes = loading.finish_segmentation(image, mask)
    return image, torch.where(classes == IGNORE_INDEX, classes, (classes > 0).long())


def predictions(
    logits: torch.Tensor, sizes: Sequence[tuple[int, int]], class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    """The salient object (class 1) at each image's size, with the mean certainty of its pixels."""
    probabilities = logits.float()[:, 0].sigmoid()
    results = []
    for p, (width, height) in zip(probabilities, sizes, strict=True):
        salient = F.interpolate((p >= 0.5).float()[None, None], size=(height, width), mode="nearest")[0, 0]
        results.append(
            {
                "mask": salient.to(torch.uint8).cpu().numpy(),
                "confidence": float(torch.where(p >= 0.5, p, 1 - p).mean()),
            }
        )
    return results


KIT = TaskKit(
    SALIENCY,
    TaskLoading(loading.load_segmentation, loading.segmentation_transform, finish),
    SaliencyRecorder,
    predictions,
    answers.segmentation_answer,
    answers.segmentation_overlay,
    runtimes.logits,
    ParityMeter.change,
    postprocessing={"outputs": ["logits"], "mask": "sigmoid(logits) >= 0.5 is the salient object"},
    snippet="""x, size = preprocess("image.jpg")
salient = (run(x)[0][0, 0] >= 0).astype(np.uint8)  # logit >= 0 is sigmoid >= 0.5
mask = np.asarray(Image.fromarray(salient).resize(size, Image.NEAREST))
print("salient fraction", float(mask.mean()))
""",
)
