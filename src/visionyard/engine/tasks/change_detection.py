"""Change detection as a LightningModule: a two-input network, one change logit per pixel,
trained with the hybrid BCE + Dice loss (spec/004)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from visionyard.common.tasks import CHANGE_DETECTION
from visionyard.common.training_config import TrainingConfig
from visionyard.data import loading
from visionyard.engine import answers, predictions
from visionyard.engine.evaluation.recorders import ChangeRecorder
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.losses import BCEDiceLoss
from visionyard.engine.predictions import CHANGE_THRESHOLD
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import TaskKit
from visionyard.metrics.change_detection import change_metrics

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class ChangeDetectionModule(TaskModule):
    task = "change_detection"

    def __init__(self, model: nn.Module, loss: BCEDiceLoss, cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__(model, cfg, monitor, mode)
        self.loss = loss
        self.val_metrics = change_metrics().clone(prefix="val_")

    def forward(self, before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
        """Change logits ``(N, 1, H, W)``."""
        return self.model(before, after)

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        before, after, labels = batch
        loss = self.loss(self(before, after), labels)
        self.log_train_loss(loss, len(labels))
        return loss

    def inputs_of(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        return batch[0], batch[1]

    def infer_batch(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return self(*inputs)

    def per_image_loss(self, outputs: torch.Tensor, batch: Batch) -> torch.Tensor:
        labels = batch[2]
        return torch.stack([self.loss(outputs[i : i + 1], labels[i : i + 1]) for i in range(len(labels))])

    def validation_step(self, batch: Batch, batch_idx: int) -> dict[str, Any]:
        before, after, labels = batch
        logits = self(before, after)
        self.log("val_loss", self.loss(logits, labels), prog_bar=True, batch_size=len(labels), sync_dist=True)
        self.val_metrics.update(logits[:, 0].sigmoid(), labels.long())
        return {"outputs": logits, "losses": self.per_image_loss(logits, batch)}

    def on_validation_epoch_end(self) -> None:
        metrics = self.val_metrics.compute()
        self.log("val_f1", metrics.pop("val_f1"), prog_bar=True)
        self.log_dict(metrics)
        self.val_metrics.reset()


KIT = TaskKit(
    CHANGE_DETECTION,
    loading.TaskLoading(loading.load_change, loading.change_transform, loading.finish_change),
    ChangeRecorder,
    predictions.change_predictions,
    answers.change_answer,
    answers.change_overlay,
    runtimes.logits,
    ParityMeter.change,
    postprocessing={
        "outputs": ["logits"],
        "mask": f"sigmoid(logits) >= {CHANGE_THRESHOLD} is change, resized to the image with nearest neighbours",
        "threshold": CHANGE_THRESHOLD,
    },
    snippet="""before, _ = preprocess("before.png")
after, size = preprocess("after.png")
changed = (run(before, after)[0][0, 0] >= 0).astype(np.uint8)  # logit >= 0 is sigmoid >= 0.5
mask = np.asarray(Image.fromarray(changed).resize(size, Image.NEAREST))
print("changed fraction", float(mask.mean()))
""",
)
