"""Image classification as a LightningModule: cross-entropy, mixup/cutmix, torchmetrics."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2

from visionyard.common.tasks import CLASSIFICATION
from visionyard.common.training_config import TrainingConfig
from visionyard.data import loading
from visionyard.engine import answers, predictions
from visionyard.engine.evaluation.recorders import ClassificationRecorder
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import TaskKit
from visionyard.metrics.classification import classification_metrics


class ClassificationModule(TaskModule):
    epoch_metrics = ("train_loss", "train_acc")
    task = "classification"

    def __init__(self, model: nn.Module, num_classes: int, cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__(model, cfg, monitor, mode)
        self.num_classes = num_classes
        self.train_acc = classification_metrics(num_classes)["acc"]
        self.val_metrics = classification_metrics(num_classes).clone(prefix="val_")
        self.batch_mix = _batch_mix(cfg, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        images, labels = batch
        targets: torch.Tensor = labels
        if self.batch_mix is not None:
            images, targets = self.batch_mix(images, labels)
        logits = self.model(images)
        loss = F.cross_entropy(logits, targets, weight=self.loss_weights, label_smoothing=self.cfg.label_smoothing)
        self.log_train_loss(loss, len(labels))
        self.train_acc.update(logits, labels)
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True)
        return loss

    def per_image_loss(self, outputs: torch.Tensor, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return F.cross_entropy(outputs, batch[1], reduction="none")

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> dict[str, Any]:
        images, labels = batch
        logits = self.model(images)
        losses = self.per_image_loss(logits, batch)
        self.log("val_loss", losses.mean(), prog_bar=True, batch_size=len(labels), sync_dist=True)
        self.val_metrics.update(logits, labels)
        return {"outputs": logits, "losses": losses}

    def on_validation_epoch_end(self) -> None:
        metrics = self.val_metrics.compute()
        accuracy = metrics.pop("val_acc")
        self.log_dict(metrics)
        self.log("val_acc", accuracy, prog_bar=True)
        self.val_metrics.reset()


def _batch_mix(cfg: TrainingConfig, num_classes: int) -> v2.Transform | None:
    a = cfg.augmentation
    if not a.enabled:
        return None
    mixes: list[v2.Transform] = []
    if a.mixup_alpha > 0:
        mixes.append(v2.MixUp(alpha=a.mixup_alpha, num_classes=num_classes))
    if a.cutmix_alpha > 0:
        mixes.append(v2.CutMix(alpha=a.cutmix_alpha, num_classes=num_classes))
    if not mixes:
        return None
    return mixes[0] if len(mixes) == 1 else v2.RandomChoice(mixes)


KIT = TaskKit(
    CLASSIFICATION,
    loading.TaskLoading(loading.load_classification, loading.classification_transform, loading.finish_classification),
    ClassificationRecorder,
    predictions.classification_predictions,
    answers.classification_answer,
    answers.classification_overlay,
    runtimes.logits,
    ParityMeter.classes,
    postprocessing={"outputs": ["logits"], "activation": "softmax", "class": "argmax over the last dimension"},
    snippet="""x, _ = preprocess("image.jpg")
logits = run(x)[0][0]
p = np.exp(logits - logits.max())
p /= p.sum()
print(meta["class_names"][int(p.argmax())], float(p.max()))
""",
)
