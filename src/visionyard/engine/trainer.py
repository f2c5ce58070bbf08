"""The trainer factory: one place that turns a training config into a Lightning Trainer, with the
hardware it asks for checked against this host."""

from __future__ import annotations

import importlib.util
import os
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.strategies import DDPStrategy, Strategy

from visionyard.common.errors import Invalid
from visionyard.common.training_config import HardwareConfig, TrainingConfig
from visionyard.engine.callbacks import AtomicCheckpointIO, CompactProgressBar
from visionyard.engine.reporting import Reporter
from visionyard.storage.run_folder import RunFolder

# The validation metrics come from torchmetrics' compute(), which has reduced them over the ranks already.
warnings.filterwarnings("ignore", message=r"It is recommended to use `self\.log\('val_", category=UserWarning)
DDP_TIMEOUT = timedelta(minutes=5)
"""How long a rank waits in a collective for the others (a rank that died ends the attempt after this)."""


class HardwareError(Invalid):
    code = "invalid_hardware"


@dataclass(frozen=True)
class Hardware:
    """Where a run trains, resolved against this host."""

    accelerator: str
    devices: int | list[int]
    """This process's devices under Ray Train (one), else the run's devices on this host."""
    strategy: str
    world_size: int
    ray_train: bool = False
    """One rank of a Ray Train worker group: Ray started the ranks and their process group."""

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def resolve_hardware(cfg: TrainingConfig, ray_train: bool = False) -> Hardware:
    """The config's hardware checked against this host, with clear errors for what it cannot do.

    ``ray_train``: this process is one rank of a Ray Train worker group (a run over several nodes), and
    sees the one device Ray gave it."""
    hw = cfg.hardware
    cuda = torch.cuda.is_available()
    if hw.accelerator == "cuda" and not cuda:
        raise HardwareError("hardware.accelerator is cuda but no CUDA device is visible")
    accelerator = "cuda" if hw.accelerator == "cuda" or (hw.accelerator == "auto" and cuda) else "cpu"
    if accelerator == "cpu":
        _check_cpu(hw, count_cores=not ray_train)
    elif not ray_train:  # Ray gave this rank its GPU
        _check_gpus(hw.devices)
    if hw.strategy == "deepspeed" and importlib.util.find_spec("deepspeed") is None:
        raise HardwareError("hardware.strategy deepspeed needs the deepspeed package, which is not installed")
    if hw.nodes > 1 and not ray_train:
        raise HardwareError("hardware.nodes > 1 trains across the nodes of a Ray cluster: run it with the Ray executor")
    world = hw.world_size
    strategy = hw.strategy if hw.strategy != "auto" else ("ddp" if world > 1 else "auto")
    return Hardware(accelerator, 1 if ray_train else hw.devices, strategy, world, ray_train)


def _check_cpu(hw: HardwareConfig, count_cores: bool) -> None:
    problems = hw.cpu_problems()
    if problems:
        raise HardwareError(problems[0])
    if not count_cores:
        return
    cores = os.cpu_count() or 1
    if hw.devices > cores:
        raise HardwareError(f"hardware.devices is {hw.devices} but this host has {cores} CPU cores")


def _check_gpus(devices: int | list[int]) -> None:
    visible = torch.cuda.device_count()
    wanted = devices if isinstance(devices, int) else len(devices)
    if wanted > visible:
        raise HardwareError(f"hardware.devices asks for {wanted} GPUs but {visible} are visible")
    if isinstance(devices, list) and max(devices) >= visible:
        raise HardwareError(f"hardware.devices names GPU {max(devices)} but only 0..{visible - 1} are visible")


def _strategy(hardware: Hardware) -> str | Strategy:
    if hardware.ray_train:
        return _ray_strategy(hardware.strategy)
    if hardware.strategy == "ddp":
        backend = "nccl" if hardware.accelerator == "cuda" else "gloo"
        return DDPStrategy(process_group_backend=backend, timeout=DDP_TIMEOUT)
    return hardware.strategy


def _ray_strategy(name: str) -> Strategy:
    """Ray's subclass of the strategy (its process group comes from Ray Train's ``TorchConfig``)."""
    from ray.train import lightning as ray_lightning

    if name == "fsdp":
        return ray_lightning.RayFSDPStrategy()
    if name == "deepspeed":
        return ray_lightning.RayDeepSpeedStrategy()
    return ray_lightning.RayDDPStrategy()


def _plugins(hardware: Hardware, reporter: Reporter) -> list[Any]:
    plugins: list[Any] = [AtomicCheckpointIO(reporter)]
    if hardware.ray_train:
        from ray.train.lightning import RayLightningEnvironment

        plugins.append(RayLightningEnvironment())
    return plugins


def build_trainer(
    folder: RunFolder,
    cfg: TrainingConfig,
    hardware: Hardware,
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
    trainer = L.Trainer(
        default_root_dir=folder.root,
        max_epochs=cfg.epochs,
        accelerator=hardware.accelerator,
        devices=hardware.devices,
        strategy=_strategy(hardware),
        sync_batchnorm=cfg.hardware.sync_batchnorm and hardware.distributed,
        use_distributed_sampler=False,  # the data module shards itself, so a mid-epoch resume works there too
        gradient_clip_val=cfg.gradient_clip_val,
        accumulate_grad_batches=cfg.accumulate_grad_batches,
        precision=cfg.hardware.precision,
        deterministic="warn" if cfg.deterministic else False,
        check_val_every_n_epoch=cfg.validation.interval,
        num_sanity_val_steps=0,
        logger=False,
        enable_progress_bar=progress,
        enable_model_summary=False,
        callbacks=all_callbacks,
        plugins=_plugins(hardware, reporter),
        log_every_n_steps=10,
    )
    if hardware.ray_train:
        from ray.train.lightning import prepare_trainer

        trainer = prepare_trainer(trainer)
    return trainer
