"""The trainer factory: one place that turns a training config into a Lightning Trainer."""

from __future__ import annotations

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint

from visionyard.common.errors import Invalid
from visionyard.common.training_config import TrainingConfig
from visionyard.engine.callbacks import AtomicCheckpointIO, CompactProgressBar
from visionyard.engine.reporting import Reporter
from visionyard.storage.run_folder import RunFolder


class HardwareError(Invalid):
    code = "invalid_hardware"


def resolve_accelerator(cfg: TrainingConfig) -> str:
    hw = cfg.hardware
    cuda = torch.cuda.is_available()
    if hw.accelerator == "cuda" and not cuda:
        raise HardwareError("hardware.accelerator is cuda but no CUDA device is visible")
    accelerator = "cuda" if hw.accelerator == "cuda" or (hw.accelerator == "auto" and cuda) else "cpu"
    if accelerator == "cpu" and hw.precision == "16-mixed":
        raise HardwareError("precision 16-mixed needs CUDA; use bf16-mixed or 32 on the CPU")
    if accelerator == "cpu" and hw.devices > 1:
        raise HardwareError("more than one device needs CUDA")
    return accelerator


def build_trainer(
    folder: RunFolder,
    cfg: TrainingConfig,
    monitor: str,
    mode: str,
    callbacks: list[Callback],
    reporter: Reporter,
    progress: bool = True,
) -> L.Trainer:
    best = ModelCheckpoint(
        dirpath=folder.checkpoints,
        filename="best",
        monitor=monitor,
        mode=mode,
        save_top_k=1,
        auto_insert_metric_name=False,
        enable_version_counter=False,
    )
    # Lightning's save_last only refreshes last.ckpt when a top-k file was saved in the same step,
    # so "last" is its own unmonitored checkpoint, rewritten every epoch.
    last = ModelCheckpoint(
        dirpath=folder.checkpoints, filename="last", enable_version_counter=False, save_on_train_epoch_end=True
    )
    all_callbacks: list[Callback] = [*callbacks, best, last]
    if cfg.early_stopping.enabled:
        all_callbacks.append(
            EarlyStopping(
                monitor=monitor,
                mode=mode,
                patience=cfg.early_stopping.patience,
                min_delta=cfg.early_stopping.min_delta,
                check_on_train_epoch_end=False,
            )
        )
    if progress:
        all_callbacks.append(CompactProgressBar())
    return L.Trainer(
        default_root_dir=folder.root,
        max_epochs=cfg.epochs,
        accelerator=resolve_accelerator(cfg),
        devices=cfg.hardware.devices,
        precision=cfg.hardware.precision,
        deterministic="warn" if cfg.deterministic else False,
        check_val_every_n_epoch=cfg.validation.interval,
        num_sanity_val_steps=0,
        logger=False,
        enable_progress_bar=progress,
        enable_model_summary=False,
        callbacks=all_callbacks,
        plugins=[AtomicCheckpointIO(reporter)],
        log_every_n_steps=10,
    )
