"""Lightning callbacks of the platform, one concern each."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import BaseFinetuning, RichProgressBar
from lightning.pytorch.plugins.io import TorchCheckpointIO

from visionyard.engine.reporting import Control, ControlRequest, Reporter
from visionyard.storage.atomic import write_with
from visionyard.storage.run_folder import RunFolder

log = logging.getLogger("visionyard.engine")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Checkpoints written to a temp file, fsynced and renamed: a kill leaves a loadable file."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        write_with(Path(path), lambda handle: torch.save(checkpoint, handle))


class MetricsRecorder(L.Callback):
    """One row per epoch into metrics.json/metrics.csv, then to the reporter."""

    def __init__(self, folder: RunFolder, reporter: Reporter, rows: list[dict[str, Any]]):
        self.folder, self.reporter = folder, reporter
        self.rows = rows
        self._validated_epoch = -1
        self._epoch_started = time.monotonic()
        self._lr = 0.0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_started = time.monotonic()
        self._lr = trainer.optimizers[0].param_groups[0]["lr"]

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking:
            self._validated_epoch = trainer.current_epoch

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        row: dict[str, Any] = {"epoch": trainer.current_epoch + 1, "step": trainer.global_step}
        validated = self._validated_epoch == trainer.current_epoch
        for key, value in sorted(trainer.callback_metrics.items()):
            if key.endswith("_step") or (key.startswith("val_") and not validated):
                continue
            row[key.removesuffix("_epoch")] = float(value)
        row["lr"] = self._lr
        row["epoch_seconds"] = round(time.monotonic() - self._epoch_started, 3)
        self.rows[:] = [r for r in self.rows if r["epoch"] < row["epoch"]] + [row]
        self.folder.write_metrics(self.rows)
        shown = ", ".join(f"{k}={v:.4g}" for k, v in row.items() if k not in ("epoch", "step"))
        log.info("epoch %d: %s", row["epoch"], shown)
        self.reporter.epoch_end(row)


class ControlCallback(L.Callback):
    """Obeys stop/pause/checkpoint requests at step boundaries and epoch ends."""

    def __init__(self, control: Control, folder: RunFolder, reporter: Reporter):
        self.control, self.folder, self.reporter = control, folder, reporter
        self.outcome: ControlRequest | None = None

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        self._poll(trainer, epoch_end=False)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._poll(trainer, epoch_end=True)

    def _poll(self, trainer: L.Trainer, epoch_end: bool) -> None:
        if self.outcome is not None:
            return
        request = self.control.requested(trainer.current_epoch, trainer.global_step, epoch_end)
        if request is None:
            return
        if request == "checkpoint":
            path = self.folder.checkpoints / f"manual-step{trainer.global_step}.ckpt"
            trainer.save_checkpoint(path)
            self.reporter.checkpoint_saved("manual", str(path), trainer.current_epoch)
            return
        log.info("%s requested at epoch %d step %d", request, trainer.current_epoch + 1, trainer.global_step)
        self.outcome = request
        trainer.should_stop = True
        if not epoch_end:
            trainer.save_checkpoint(self.folder.last_ckpt)
            self.reporter.checkpoint_saved("last", str(self.folder.last_ckpt), trainer.current_epoch)


class CompactProgressBar(RichProgressBar):
    """Rich progress on stderr showing the step loss and the latest validation metrics."""

    def __init__(self) -> None:
        super().__init__(leave=True, console_kwargs={"stderr": True})

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        metrics = super().get_metrics(trainer, pl_module)
        shown = {k.removesuffix("_step"): v for k, v in metrics.items() if not k.endswith("_epoch")}
        shown.pop("v_num", None)
        return shown


class KeyedSeeding(L.Callback):
    """Seeds the main process RNG from (seed, step) before every step: dropout and mixup draws
    depend on where training is, not on how it got there (so a resumed run matches)."""

    def __init__(self, seed: int):
        self.seed = seed

    def on_train_batch_start(self, trainer: L.Trainer, *args: Any) -> None:
        torch.manual_seed(self.seed * 1_000_033 + trainer.global_step)


class FreezeStages(BaseFinetuning):
    """Freezes the first N backbone stages for the whole run (spec/000 ``numFrozenStages``)."""

    def __init__(self, stages: list[torch.nn.Module]):
        super().__init__()
        self.stages = stages

    def freeze_before_training(self, pl_module: L.LightningModule) -> None:
        self.freeze(self.stages, train_bn=False)

    def finetune_function(self, pl_module: L.LightningModule, epoch: int, optimizer: Any) -> None:
        pass
