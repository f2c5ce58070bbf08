"""Image classification as a LightningModule: cross-entropy, mixup/cutmix, torchmetrics."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MeanMetric
from torchvision.transforms import v2

from visionyard.engine.optim import build_optimizer, build_scheduler
from visionyard.metrics.classification import classification_metrics
from visionyard.training_config import TrainingConfig


class ClassificationModule(L.LightningModule):
    def __init__(self, model: nn.Module, num_classes: int, cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__()
        self.model = model
        self.num_classes = num_classes
        self.cfg = cfg
        self.monitor, self.mode = monitor, mode
        self.train_loss = MeanMetric()
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
        loss = F.cross_entropy(logits, targets)
        self.train_loss(loss.detach(), len(labels))
        self.train_acc.update(logits, labels)
        self.log("train_loss", self.train_loss, on_step=True, on_epoch=True, prog_bar=True)
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True)
        return loss

    def on_train_epoch_start(self) -> None:
        self.train_loss.reset()
        self.train_acc.reset()

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # the epoch's running means, for a resume mid-epoch (Lightning does not save logged aggregates)
        checkpoint["train_epoch_metrics"] = {
            name: getattr(self, name).metric_state for name in ("train_loss", "train_acc")
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        for name, state in checkpoint.get("train_epoch_metrics", {}).items():
            metric = getattr(self, name)
            for key, value in state.items():
                setattr(metric, key, value)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        images, labels = batch
        logits = self.model(images)
        self.log("val_loss", F.cross_entropy(logits, labels), prog_bar=True, batch_size=len(labels))
        self.val_metrics.update(logits, labels)

    def on_validation_epoch_end(self) -> None:
        metrics = self.val_metrics.compute()
        accuracy = metrics.pop("val_acc")
        self.log_dict(metrics)
        self.log("val_acc", accuracy, prog_bar=True)
        self.val_metrics.reset()

    def configure_optimizers(self) -> Any:
        optimizer = build_optimizer(self.parameters(), self.cfg)
        total_steps = int(self.trainer.estimated_stepping_batches)
        scheduler = build_scheduler(optimizer, self.cfg, total_steps, self.monitor, self.mode)
        if scheduler is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


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
