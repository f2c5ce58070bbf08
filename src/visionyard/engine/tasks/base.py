"""What every task's LightningModule shares: the optimiser and schedule, and epoch means that survive a
mid-epoch resume (Lightning does not save logged aggregates, so the module does)."""

from __future__ import annotations

from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn
from torchmetrics import MeanMetric

from visionyard.common.tasks import task_spec
from visionyard.common.training_config import TrainingConfig
from visionyard.engine.class_weights import class_weights
from visionyard.engine.optim import build_optimizer, build_scheduler


class TaskModule(L.LightningModule):
    epoch_metrics: ClassVar[tuple[str, ...]] = ("train_loss",)
    """Metric attributes accumulated over a training epoch; reset at its start, saved in checkpoints.
    Means whose names are known only at run time go through ``log_epoch_mean`` and are kept alike."""

    def __init__(self, model: nn.Module, cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__()
        self.model = model
        self.cfg = cfg
        self.monitor, self.mode = monitor, mode
        self.train_loss = MeanMetric()
        self.epoch_means = nn.ModuleDict()
        self.loss_weights: torch.Tensor | None = None
        """The loss's per-class weights while fitting, if asked for."""

    def on_fit_start(self) -> None:
        """The loss's class weights (``class_weights``) from the data module's training split, on the device: a
        plain attribute, not a buffer, so checkpoints and weight averaging do not see it (a resumed run
        computes the same)."""
        datamodule = getattr(self.trainer, "datamodule", None)
        if task_spec(self.task).weighs_classes and datamodule is not None:
            splits = datamodule.splits
            weights = class_weights(self.cfg.class_weights, splits.train, splits.classes, self.task)
            self.loss_weights = None if weights is None else weights.to(self.device)

    task: ClassVar[str]

    def inputs_of(self, batch: Any) -> Any:
        """The model inputs of a batch (what ``infer_batch`` takes)."""
        return batch[0]

    def infer_batch(self, inputs: Any) -> Any:
        """Raw outputs for a batch of preprocessed inputs (logits, or detections)."""
        return self(inputs)

    def per_image_loss(self, outputs: Any, batch: Any) -> torch.Tensor | None:
        """One loss per image of a validation batch, where the task has a loss in eval mode."""
        return None

    def log_train_loss(self, loss: torch.Tensor, batch_size: int) -> None:
        self.train_loss(loss.detach(), batch_size)
        self.log("train_loss", self.train_loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=batch_size)

    def log_epoch_mean(self, name: str, value: torch.Tensor, batch_size: int) -> None:
        """The epoch mean of a per-step value named at run time (a detector's own loss terms)."""
        metric = self._epoch_mean(name)
        metric.update(value.detach(), batch_size)
        attribute = f"epoch_means.{name}"
        self.log(name, metric, on_step=False, on_epoch=True, batch_size=batch_size, metric_attribute=attribute)

    def _epoch_mean(self, name: str) -> MeanMetric:
        if name not in self.epoch_means:
            self.epoch_means[name] = MeanMetric().to(self.device)
        return self.epoch_means[name]

    def _epoch_accumulators(self) -> dict[str, MeanMetric]:
        return {**{name: getattr(self, name) for name in self.epoch_metrics}, **self.epoch_means}

    def on_train_epoch_start(self) -> None:
        for metric in self._epoch_accumulators().values():
            metric.reset()

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["train_epoch_metrics"] = {name: m.metric_state for name, m in self._epoch_accumulators().items()}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        for name, state in checkpoint.get("train_epoch_metrics", {}).items():
            metric = getattr(self, name) if name in self.epoch_metrics else self._epoch_mean(name)
            for key, value in state.items():
                setattr(metric, key, value)

    def configure_optimizers(self) -> Any:
        optimizer = build_optimizer(self.parameters(), self.cfg)
        total_steps = int(self.trainer.estimated_stepping_batches)
        scheduler = build_scheduler(optimizer, self.cfg, total_steps, self.monitor, self.mode)
        if scheduler is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": scheduler}
