"""Optimizers and learning-rate schedules from the training config.

Epoch schedules are a pure function of (config, epoch) behind ``LambdaLR``: a resumed run lands
on exactly the same rate, and extending a finished run stretches the curve to the new length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch
from torch.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from torch.optim.lr_scheduler import LambdaLR, OneCycleLR, ReduceLROnPlateau

from visionyard.common.training_config import SchedulerConfig, TrainingConfig


def build_optimizer(params: Iterable[torch.nn.Parameter], cfg: TrainingConfig) -> Optimizer:
    o = cfg.optimizer
    params = [p for p in params if p.requires_grad]
    match o.type:
        case "adam":
            return Adam(params, lr=cfg.lr, betas=o.betas, weight_decay=o.weight_decay, amsgrad=o.amsgrad)
        case "adamw":
            return AdamW(params, lr=cfg.lr, betas=o.betas, weight_decay=o.weight_decay, amsgrad=o.amsgrad)
        case "sgd":
            return SGD(params, lr=cfg.lr, momentum=o.momentum, weight_decay=o.weight_decay, nesterov=o.nesterov)
        case "rmsprop":
            return RMSprop(params, lr=cfg.lr, momentum=o.momentum, weight_decay=o.weight_decay)
    raise ValueError(f"unknown optimizer {o.type!r}")


def epoch_lr_factor(epoch: int, s: SchedulerConfig, epochs: int, base_lr: float) -> float:
    """Multiplier of the base rate at ``epoch``: linear warmup, then the schedule, floored at min_lr."""
    if epoch < s.warmup_epochs:
        return (epoch + 1) / (s.warmup_epochs + 1)
    t = epoch - s.warmup_epochs
    span = max(1, epochs - s.warmup_epochs - 1)
    floor = min(s.min_lr / base_lr, 1.0)
    match s.type:
        case "step":
            factor = s.gamma ** (t // s.step_size)
        case "exponential":
            factor = s.gamma**t
        case "cosine":
            return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(t, span) / span))
        case _:
            return 1.0
    return max(factor, floor)


def build_scheduler(
    optimizer: Optimizer, cfg: TrainingConfig, total_steps: int, monitor: str, mode: str
) -> dict[str, Any] | None:
    """A Lightning ``lr_scheduler`` config, or None for a constant rate without warmup."""
    s = cfg.scheduler
    if s.type == "plateau":
        plateau = ReduceLROnPlateau(optimizer, mode=mode, factor=s.gamma, patience=s.patience, min_lr=s.min_lr)
        return {
            "scheduler": plateau,
            "monitor": monitor,
            "interval": "epoch",
            "frequency": cfg.validation.interval,
            "strict": False,
        }
    if s.type == "onecycle":
        pct_start = s.warmup_epochs / cfg.epochs if s.warmup_epochs else 0.3
        initial_lr = cfg.lr / 25.0
        final_div = max(initial_lr / s.min_lr, 1.0) if s.min_lr > 0 else 1e4
        onecycle = OneCycleLR(
            optimizer,
            max_lr=cfg.lr,
            total_steps=max(total_steps, 1),
            pct_start=pct_start,
            final_div_factor=final_div,
        )
        return {"scheduler": onecycle, "interval": "step"}
    if s.type == "none" and not s.warmup_epochs:
        return None
    schedule = LambdaLR(optimizer, lambda epoch: epoch_lr_factor(epoch, s, cfg.epochs, cfg.lr))
    return {"scheduler": schedule, "interval": "epoch"}
