"""Detailed validation during training: per-image records and a report at every validation, from the
outputs the task module's ``validation_step`` returns (no second pass over the data). The latest
epoch's results and the best epoch's are kept; older ones are removed.

Under distributed training each rank predicts its share of the validation set (samples r, r + world...);
the predictions are gathered on rank zero, which alone records and writes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
import torch.distributed as dist

from visionyard.engine.evaluation.recorders import Recorder
from visionyard.engine.evaluation.runner import DEFAULT_SCORE_THRESHOLD, predictions_for, recorder_for
from visionyard.storage.run_folder import RunFolder

Predicted = tuple[int, dict[str, Any], float | None]
"""A validation sample's index, its prediction and its loss."""


class ValidationDetails(L.Callback):
    def __init__(
        self,
        folder: RunFolder,
        task: str,
        class_names: Sequence[str],
        samples: Sequence[Any],
        dataset_root: Path,
        monitored: tuple[str, str],
        input_size: int,
    ):
        self.folder, self.task, self.class_names = folder, task, list(class_names)
        self.samples, self.dataset_root = list(samples), dataset_root
        self.monitor, self.mode = monitored
        self.input_size = input_size
        self.best_epoch: int | None = None
        self.best_score: float | None = None
        self._recorder: Recorder | None = None
        self._active = False
        self._positions: list[int] = []
        self._pending: list[Predicted] = []

    def state_dict(self) -> dict[str, Any]:
        return {"best_epoch": self.best_epoch, "best_score": self.best_score}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best_epoch, self.best_score = state_dict["best_epoch"], state_dict["best_score"]

    def on_validation_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._recorder, self._active, self._pending = None, not trainer.sanity_checking, []
        self._positions = list(range(trainer.global_rank, len(self.samples), trainer.world_size))
        if not self._active or not trainer.is_global_zero:
            return
        target = self.folder.validation_epoch(trainer.current_epoch + 1)
        target.remove()
        self._recorder = recorder_for(
            self.task, self.class_names, target, self.dataset_root, "val", DEFAULT_SCORE_THRESHOLD
        )

    def on_validation_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int, *args: Any
    ) -> None:
        if not self._active or not isinstance(outputs, dict):
            return
        count = len(batch[-1])
        positions, self._positions = self._positions[:count], self._positions[count:]
        samples = [self.samples[i] for i in positions]
        predictions = predictions_for(self.task, samples, outputs["outputs"], self.class_names, self.input_size)
        losses = [None] * count if outputs["losses"] is None else [float(v) for v in outputs["losses"]]
        if self._recorder is not None and trainer.world_size == 1:
            self._recorder.add(samples, predictions, losses)  # recorded as they come: no predictions held
        else:
            self._pending.extend(zip(positions, predictions, losses, strict=True))

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._active:
            return
        self._active = False
        if trainer.world_size > 1:
            shares: list[list[Predicted] | None] = [None] * trainer.world_size
            dist.all_gather_object(shares, self._pending)
            self._pending = []
            if self._recorder is not None:
                gathered = sorted((p for share in shares for p in share or []), key=lambda p: p[0])
                self._recorder.add(
                    [self.samples[i] for i, _, _ in gathered], [p for _, p, _ in gathered], [v for _, _, v in gathered]
                )
        if self._recorder is None:
            return
        epoch = trainer.current_epoch + 1
        meta = {
            "kind": "validation",
            "task": self.task,
            "epoch": epoch,
            "step": trainer.global_step,
            "dataset": self.dataset_root.name,
            "dataset_root": str(self.dataset_root),
            "split": "val",
        }
        self._recorder.finish(meta)
        self._recorder = None
        score = trainer.callback_metrics.get(self.monitor)
        if score is not None and self._better(float(score)):
            self.best_epoch, self.best_score = epoch, float(score)
        for kept_epoch, kept in self.folder.validation_epochs():
            if kept_epoch not in (epoch, self.best_epoch):
                kept.remove()

    def _better(self, score: float) -> bool:
        if self.best_score is None:
            return True
        return score < self.best_score if self.mode == "min" else score > self.best_score
