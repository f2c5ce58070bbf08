"""Object detection as a LightningModule around a torchvision-style detector.

The model takes a list of images and, in train mode, a list of targets, and answers its loss
dict; in eval mode it answers one ``{"boxes", "labels", "scores"}`` dict per image. Label 0 is
the model's background: dataset labels ``0..K-1`` go in as ``1..K`` and come back shifted down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torchmetrics.detection import MeanAveragePrecision

from visionyard.common.tasks import DETECTION, task_spec
from visionyard.common.training_config import TrainingConfig
from visionyard.data import loading
from visionyard.engine import answers, predictions
from visionyard.engine.evaluation.recorders import DetectionRecorder
from visionyard.engine.export import runtimes
from visionyard.engine.export.parity import ParityMeter
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import TaskKit
from visionyard.metrics.detection import detection_metric, summarise_detection

Target = dict[str, torch.Tensor]


def to_model_labels(targets: Sequence[Target]) -> list[Target]:
    return [{**t, "labels": t["labels"] + 1} for t in targets]


def from_model_labels(predictions: Sequence[Target]) -> list[Target]:
    return [{**p, "labels": p["labels"] - 1} for p in predictions]


class DetectionModule(TaskModule):
    task = "detection"

    def __init__(self, model: nn.Module, class_names: Sequence[str], cfg: TrainingConfig, monitor: str, mode: str):
        super().__init__(model, cfg, monitor, mode)
        self.class_names = list(class_names)
        self.val_map = self.metric()

    def metric(self) -> MeanAveragePrecision:
        return detection_metric()

    def summarise(self, raw: dict[str, torch.Tensor]) -> dict[str, float]:
        return summarise_detection(raw, self.class_names)

    def for_metric(self, found: list[Target], targets: list[Target]) -> tuple[list[Target], list[Target]]:
        """Detections and targets as the metric takes them."""
        return found, targets

    def forward(self, images: list[torch.Tensor]) -> list[Target]:
        return from_model_labels(self.model(images))

    def training_step(self, batch: tuple[list[torch.Tensor], list[Target]], batch_idx: int) -> torch.Tensor:
        images, targets = batch
        losses: dict[str, torch.Tensor] = self.model(list(images), to_model_labels(targets))
        loss = sum(losses.values(), torch.zeros((), device=self.device))
        self.log_train_loss(loss, len(images))
        for name, value in losses.items():
            self.log_epoch_mean(f"train_{name}", value, len(images))
        return loss

    def inputs_of(self, batch: tuple[list[torch.Tensor], list[Target]]) -> list[torch.Tensor]:
        return list(batch[0])

    def validation_step(self, batch: tuple[list[torch.Tensor], list[Target]], batch_idx: int) -> dict[str, Any]:
        detections = self(self.inputs_of(batch))
        self.val_map.update(*self.for_metric(detections, list(batch[1])))
        return {"outputs": detections, "losses": None}

    def on_validation_epoch_end(self) -> None:
        metrics: dict[str, Any] = self.summarise(self.val_map.compute())
        self.val_map.reset()
        headline = task_spec(self.task).headline
        self.log(headline, metrics.pop(headline), prog_bar=True)
        self.log_dict(metrics)


KIT = TaskKit(
    DETECTION,
    loading.TaskLoading(
        loading.load_detection, loading.detection_transform, loading.finish_detection, loading.collate_detection
    ),
    DetectionRecorder,
    predictions.detection_predictions,
    answers.detection_answer,
    answers.detection_overlay,
    runtimes.detections,
    ParityMeter.detections,
    postprocessing={
        "outputs": ["boxes", "labels", "scores"],
        "boxes": "x1, y1, x2, y2 in input pixels: multiply x by width / size and y by height / size",
        "label_offset": 1,
        "labels": "label 0 is the background: class_names[label - 1]",
        "score_threshold": 0.25,
    },
    snippet="""x, (width, height) = preprocess("image.jpg")
boxes, labels, scores = run(x)
size = pre["resize"]["width"]
keep = scores >= meta["postprocessing"]["score_threshold"]
scale = np.array([width, height, width, height]) / size
for box, label, score in zip(boxes[keep] * scale, labels[keep], scores[keep]):
    print(meta["class_names"][int(label) - 1], round(float(score), 3), box.round(1).tolist())
""",
)
