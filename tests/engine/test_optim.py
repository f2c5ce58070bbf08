from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import TINY
from visionyard.common.training_config import SchedulerConfig
from visionyard.config import Settings
from visionyard.engine.optim import epoch_lr_factor
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run


def test_cosine_with_warmup_rises_then_falls_to_the_floor():
    s = SchedulerConfig(type="cosine", warmup_epochs=2, min_lr=1e-5)
    factors = [epoch_lr_factor(e, s, epochs=6, base_lr=1e-3) for e in range(6)]
    assert factors[:2] == [pytest.approx(1 / 3), pytest.approx(2 / 3)]
    assert factors[2] == 1.0
    assert factors[-1] == pytest.approx(0.01)
    assert factors[2:] == sorted(factors[2:], reverse=True)


def test_step_and_exponential_decay_stop_at_min_lr():
    step = SchedulerConfig(type="step", step_size=2, gamma=0.5, min_lr=0.0)
    assert [epoch_lr_factor(e, step, 6, 1.0) for e in range(6)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    expo = SchedulerConfig(type="exponential", gamma=0.1, min_lr=1e-3)
    assert [epoch_lr_factor(e, expo, 6, 1.0) for e in range(5)] == pytest.approx([1, 0.1, 0.01, 1e-3, 1e-3])


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides",
    [
        {"optimizer.type": "sgd", "optimizer.nesterov": True, "scheduler.type": "step", "scheduler.step_size": 1},
        {"optimizer.type": "rmsprop", "scheduler.type": "exponential", "scheduler.gamma": 0.5},
        {"optimizer.type": "adam", "optimizer.amsgrad": True, "scheduler.type": "plateau", "validation.interval": 2},
        {"scheduler.type": "onecycle", "augmentation.cutmix_alpha": 1.0, "augmentation.mixup_alpha": 0.4},
        {
            "scheduler.type": "none",
            "early_stopping.enabled": True,
            "early_stopping.patience": 1,
            "validation.monitor": "val_loss",
        },
    ],
    ids=["sgd-step", "rmsprop-exponential", "adam-plateau", "onecycle-mix", "early-stopping"],
)
def test_every_optimizer_and_schedule_trains(
    overrides: dict, catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path
):
    settings = Settings(home=shared_home)
    prepared = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), {**TINY, "epochs": 4, **overrides})
    outcome = execute_run(replace(prepared, progress=False), settings, catalog)
    assert outcome.status == "completed", outcome.error
    rows = prepared.folder.read_metrics()
    if overrides.get("scheduler.type") == "step":
        assert [r["lr"] for r in rows] == pytest.approx([1e-3, 1e-4, 1e-5, 1e-6])
    if overrides.get("validation.interval") == 2:
        assert ["val_acc" in r for r in rows] == [False, True, False, True]
    if outcome.best_metrics.get("monitor") == "val_loss":
        assert outcome.best_metrics["val_loss"] == min(r["val_loss"] for r in rows)
