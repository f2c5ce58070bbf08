"""A suggestion for a new run's config (a ``suggest`` job of no run): Lightning's learning-rate finder or
batch-size finder, run on the run's model and data as its config has them, for a few steps."""

from __future__ import annotations

import logging
import math
from typing import Any

import lightning as L
import numpy as np
from lightning.pytorch.tuner import Tuner

from visionyard.common.training_config import TrainingConfig
from visionyard.data.datamodule import TaskDataModule
from visionyard.engine.tasks.kit import kit
from visionyard.engine.trainer import resolve_hardware
from visionyard.worker.execute import checked_splits
from visionyard.worker.job_context import JobContext

log = logging.getLogger("visionyard.worker")

LR_STEPS = 100
"""Steps the learning-rate finder takes (over several epochs of a small dataset)."""
LR_RANGE = (1e-6, 1.0)
BATCH_TRIALS = 6
"""Doublings the batch-size finder tries from the config's size (on a CPU nothing runs out: it stops there)."""


SKIP_BEGIN = 10
"""The finder's first points, left out of the suggestion (Lightning's own default): its smoothed loss starts
biased low."""


def steepest_fall(curve: list[dict[str, float]]) -> float | None:
    """The rate where the loss falls fastest per decade of rate, before its lowest point. Lightning's own
    suggestion takes the slope against the rate itself, so on the finder's log-spaced rates the noise at the
    smallest rates wins (3e-5 on the digits, whose loss falls between 1e-3 and 1e-1)."""
    kept = curve[SKIP_BEGIN:]
    if len(kept) < 3:
        return None
    lowest = min(range(len(kept)), key=lambda i: kept[i]["loss"])
    falling = kept[: lowest + 1]
    if len(falling) < 2:
        return None
    losses = np.array([point["loss"] for point in falling])
    rates = np.log10([point["lr"] for point in falling])
    return falling[int(np.argmin(np.gradient(losses, rates)))]["lr"]


def run_suggestion(work: JobContext) -> dict[str, Any]:
    cfg = TrainingConfig.from_run_config(work.config)
    splits = checked_splits(work.dataset_path, work.task, cfg)
    plugin = work.ctx.catalog().load_class(work.model)(work.config, splits.classes)
    if not hasattr(plugin, "training_module"):
        raise ValueError(f"{work.model} trains itself: its plugin has no training module to tune")
    plugin.build(None)
    module = plugin.training_module()
    accelerator = resolve_hardware(cfg).accelerator
    datamodule = TaskDataModule(kit(work.task).loading, splits, cfg, pin_memory=accelerator == "cuda")
    trainer = L.Trainer(
        default_root_dir=work.folder,
        accelerator=accelerator,
        devices=1,
        max_epochs=None,
        precision=cfg.hardware.precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    tuner = Tuner(trainer)
    if work.params["what"] == "lr":
        found = tuner.lr_find(
            module,
            datamodule=datamodule,
            min_lr=LR_RANGE[0],
            max_lr=LR_RANGE[1],
            num_training=LR_STEPS,
            update_attr=False,
        )
        curve = (
            [
                {"lr": float(lr), "loss": float(loss)}
                for lr, loss in zip(found.results["lr"], found.results["loss"], strict=True)
                if math.isfinite(loss)
            ]
            if found is not None
            else []
        )
        suggested = steepest_fall(curve)
        if suggested is None:
            raise ValueError("the learning-rate finder found no rate: the loss did not fall in the range tried")
        log.info("suggested learning rate %.3g from %d steps", suggested, len(curve))
        return {"lr": float(suggested), "curve": curve}
    size = tuner.scale_batch_size(
        module,
        datamodule=datamodule,
        mode="binsearch",
        init_val=cfg.batch_size,
        max_trials=BATCH_TRIALS,
        steps_per_trial=3,
    )
    log.info("suggested batch size %s", size)
    return {"batch_size": int(size), "device": trainer.strategy.root_device.type}
