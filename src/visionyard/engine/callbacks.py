"""Lightning callbacks of the platform, one concern each."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import BaseFinetuning, RichProgressBar
from lightning.pytorch.plugins.io import TorchCheckpointIO
from lightning.pytorch.utilities.exceptions import _TunerExitException

from visionyard.data.datamodule import reseed
from visionyard.engine.health import loss_warnings
from visionyard.engine.reporting import EPOCH_END_REQUESTS, Control, ControlRequest, Reporter
from visionyard.storage.atomic import write_with
from visionyard.storage.run_folder import RunFolder

log = logging.getLogger("visionyard.engine")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Checkpoints written to a temp file, fsynced and renamed: a kill leaves a loadable file.

    Every checkpoint file of a run goes through here, so this is where they are reported.
    """

    def __init__(self, reporter: Reporter):
        super().__init__()
        self.reporter = reporter

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        path = Path(path)
        write_with(path, lambda handle: torch.save(checkpoint, handle))
        self.reporter.checkpoint_saved(
            checkpoint_kind(path.name), str(path), checkpoint["epoch"] + 1, checkpoint["global_step"]
        )


def checkpoint_kind(filename: str) -> str:
    stem = Path(filename).stem
    return stem if stem in ("best", "last") else stem.split("-")[0]


class MetricsRecorder(L.Callback):
    """One row per epoch into metrics.json/metrics.csv, then to the reporter, with any new warning
    about the loss (by rank zero only, under distributed training)."""

    def __init__(self, folder: RunFolder, reporter: Reporter, rows: list[dict[str, Any]]):
        self.folder, self.reporter = folder, reporter
        self.rows = rows
        self._validated_epoch = -1
        self._epoch_started = time.monotonic()
        self._lr = 0.0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_started = time.monotonic()
        self._lr = trainer.optimizers[0].param_groups[0]["lr"]

    def state_dict(self) -> dict[str, Any]:
        # a run resumed mid-epoch does not see that epoch start again
        return {"lr": self._lr}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._lr = state_dict["lr"]

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
        if not trainer.is_global_zero:
            return  # the values are reduced over the ranks; rank zero writes and reports them
        self.folder.write_metrics(self.rows)
        shown = ", ".join(f"{k}={v:.4g}" for k, v in row.items() if k not in ("epoch", "step"))
        log.info("epoch %d: %s", row["epoch"], shown)
        self.reporter.epoch_end(row)
        known = {w["kind"] for w in loss_warnings(self.rows[:-1])}
        for warning in loss_warnings(self.rows):
            if warning["kind"] not in known:
                log.warning("%s", warning["message"])
                self.reporter.warning(**warning)


class StepProgress(L.Callback):
    """The epoch's step, the running train loss, images/s and the ETAs of the epoch and the run, to the
    reporter at most every ``every`` seconds (rank zero only). Between reports a step costs a clock read:
    the loss is read (a device sync) only when reported."""

    def __init__(self, reporter: Reporter, every: float = 2.0):
        self.reporter, self.every = reporter, every
        self._epoch_started = self._last = time.monotonic()
        self._first_step = 0
        self._epoch_seconds: float | None = None
        """The last whole epoch's duration (validation included), for the run's ETA."""
        self.latest: dict[str, Any] | None = None
        """The last report (the console's progress bar shows it too)."""

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_started = self._last = time.monotonic()
        self._first_step = trainer.fit_loop.epoch_loop.batch_progress.current.completed

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_seconds = time.monotonic() - self._epoch_started

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        now = time.monotonic()
        if now - self._last < self.every or not trainer.is_global_zero:
            return
        self._last = now
        step, steps = batch_idx + 1, trainer.num_training_batches
        done = step - self._first_step
        seconds_per_step = (now - self._epoch_started) / max(done, 1)
        batch_size = getattr(trainer.train_dataloader, "batch_size", None) or 0
        eta_epoch = (steps - step) * seconds_per_step
        epoch_seconds = self._epoch_seconds or steps * seconds_per_step
        remaining_epochs = max(trainer.max_epochs - trainer.current_epoch - 1, 0) if trainer.max_epochs else 0
        loss = trainer.callback_metrics.get("train_loss_step")
        self.latest = {
            "epoch": trainer.current_epoch + 1,
            "epochs": trainer.max_epochs,
            "step": step,
            "steps": steps,
            "global_step": trainer.global_step,
            "train_loss": float(loss) if loss is not None else None,
            "images_per_s": round(batch_size / seconds_per_step, 2) if batch_size else None,
            "eta_epoch_s": round(eta_epoch, 1),
            "eta_run_s": round(eta_epoch + remaining_epochs * epoch_seconds, 1),
        }
        self.reporter.progress(self.latest)


class ControlCallback(L.Callback):
    """Obeys stop/pause/checkpoint requests at step boundaries and epoch ends (``pause_epoch`` and ``prune`` at
    epoch ends only).

    Mid-epoch, a stop or pause writes last.ckpt for that step and ends training there: no validation or
    epoch-end hooks run on the partial epoch, and a resume continues it. After an epoch's last batch the
    request waits for the epoch end, so that epoch is validated, recorded and checkpointed like any other.
    Under distributed training rank zero asks and broadcasts the answer, so every rank acts at the same step.
    """

    def __init__(self, control: Control, folder: RunFolder):
        self.control, self.folder = control, folder
        self.outcome: ControlRequest | None = None

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if self._poll(trainer, epoch_end=False) and batch_idx + 1 < trainer.num_training_batches:
            trainer.save_checkpoint(self.folder.last_ckpt)
            raise _TunerExitException  # ends fit() at once, without error, as Lightning's tuner callbacks do

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._poll(trainer, epoch_end=True)

    def _poll(self, trainer: L.Trainer, epoch_end: bool) -> bool:
        """True when training should stop because of this request."""
        if self.outcome is not None:
            return False
        request = self.control.requested(trainer.current_epoch, trainer.global_step, epoch_end)
        if trainer.world_size > 1:
            request = trainer.strategy.broadcast(request if trainer.is_global_zero else None, src=0)
        if request is None or (request in EPOCH_END_REQUESTS and not epoch_end):
            return False
        if request == "checkpoint":
            trainer.save_checkpoint(self.folder.checkpoints / f"manual-step{trainer.global_step}.ckpt")
            return False
        log.info("%s requested at epoch %d step %d", request, trainer.current_epoch + 1, trainer.global_step)
        self.outcome = "pause" if request == "pause_epoch" else request
        trainer.should_stop = True
        return True


class EpochCheckpoints(L.Callback):
    """``epoch-NNNN.ckpt`` at every epoch end, keeping the ``keep`` latest (best and last are separate files)."""

    PATTERN = "epoch-*.ckpt"

    def __init__(self, folder: RunFolder, keep: int, reporter: Reporter):
        self.folder, self.keep, self.reporter = folder, keep, reporter

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        trainer.save_checkpoint(self.folder.checkpoints / f"epoch-{trainer.current_epoch + 1:04d}.ckpt")
        if trainer.is_global_zero:
            prune_epoch_checkpoints(self.folder, self.keep, self.reporter)


def prune_epoch_checkpoints(folder: RunFolder, keep: int, reporter: Reporter) -> list[Path]:
    """Delete all but the ``keep`` latest epoch checkpoints of a run; best, last and manual ones stay."""
    files = sorted(folder.checkpoints.glob(EpochCheckpoints.PATTERN))
    doomed = files[: max(0, len(files) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
        reporter.checkpoint_removed(str(path))
        log.info("checkpoint retention: removed %s", path.name)
    return doomed


class CompactProgressBar(RichProgressBar):
    """Rich progress on stderr: the epoch's steps, its time left, the step loss, the latest validation
    metrics, and from :class:`StepProgress` the images per second and the run's time left."""

    every = 0.5
    """Seconds between updates of the training bar, and its epoch's last step. Rich draws it once a second, and
    an update reads every shown metric (a device sync each on a GPU) and costs about 0.5 ms on a CPU: too much
    for every step."""

    def __init__(self) -> None:
        super().__init__(leave=True, console_kwargs={"stderr": True})
        self._updated = float("-inf")

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        now = time.monotonic()
        if now - self._updated < self.every and batch_idx + 1 < trainer.num_training_batches:
            return
        self._updated = now
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def configure_columns(self, trainer: L.Trainer) -> list:
        return super().configure_columns(trainer)[:-1]  # Lightning's it/s: images/s is among the metrics

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        metrics = super().get_metrics(trainer, pl_module)
        shown = {k.removesuffix("_step"): v for k, v in metrics.items() if not k.endswith("_epoch")}
        shown.pop("v_num", None)
        progress = next((c.latest for c in trainer.callbacks if isinstance(c, StepProgress)), None)
        if progress is not None:
            shown["images/s"] = f"{progress['images_per_s'] or 0:.0f}"
            shown["run left"] = str(timedelta(seconds=int(progress["eta_run_s"])))
        return shown

    def _get_train_description(self, current_epoch: int) -> str:
        """``epoch 1/10`` as the rest of visionyard counts, not Lightning's ``Epoch 0/9``."""
        total = f"/{self.trainer.max_epochs}" if self.trainer.max_epochs is not None else ""
        return f"{f'epoch {current_epoch + 1}{total}':{len(self.validation_description)}}"


class KeyedSeeding(L.Callback):
    """Seeds the main process RNG from (seed, step) before every step: dropout and mixup draws
    depend on where training is, not on how it got there (so a resumed run matches)."""

    def __init__(self, seed: int):
        self.seed = seed

    def on_train_batch_start(self, trainer: L.Trainer, *args: Any) -> None:
        reseed(self.seed * 1_000_033 + trainer.global_step)


class FreezeStages(BaseFinetuning):
    """Freezes the first N backbone stages for the whole run (spec/000 ``numFrozenStages``)."""

    def __init__(self, stages: list[torch.nn.Module]):
        super().__init__()
        self.stages = stages

    def freeze_before_training(self, pl_module: L.LightningModule) -> None:
        self.freeze(self.stages, train_bn=False)

    def finetune_function(self, pl_module: L.LightningModule, epoch: int, optimizer: Any) -> None:
        pass
